# The production image: `docker compose up --build`, or `docker build -t outcome-ledger .`.
# test/ops/production-image.e2e-spec.ts runs these same steps outside Docker (build, start:prod
# against PostgreSQL, this HEALTHCHECK) and checks that the start loads no devDependency.

# ── build: all dependencies, compile TypeScript, then drop the dev dependencies ──────────────────
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ── runtime: the compiled build, production dependencies, a non-root user ───────────────────────
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
# The seed scenarios, for SEED_DEMO=true (a demo image); nothing else of test/.
COPY test/fixtures/seed-scenarios.json ./test/fixtures/seed-scenarios.json
# DATA_DIR: the demo keys file (SEED_DEMO=true); the image's files stay read-only to the service.
RUN mkdir -p .data && chown node:node .data
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# = `npm run start:prod` (the test checks it matches package.json), without npm in between: SIGTERM
# from `docker stop` reaches the service itself, which closes the HTTP server and the pool.
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "dist/src/main.js"]
