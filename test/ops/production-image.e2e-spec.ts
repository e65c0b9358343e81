import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { load } from 'js-yaml';
import { Client } from 'pg';
import { freePort } from '../support/local-postgres';
import { scrape } from './scrape';

const ROOT = join(__dirname, '..', '..');
/** Inside the project, so that the build finds package.json and config/ above it as dist/ does. */
const BUILD = join(ROOT, 'node_modules', '.cache', 'outcome-ledger-prod-image');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The Dockerfile's instructions, continuation lines joined. */
function instructions(): Array<{ op: string; args: string }> {
  return read('Dockerfile')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.trim().split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}
/** An exec-form argument list (`CMD ["node", …]`), after any `--option=…` flags. */
const execForm = (args: string): string[] => JSON.parse(args.slice(args.indexOf('[')));

function exited(proc: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('the production image', () => {
  it('is built in two stages: npm ci, npm run build, dev dependencies pruned, a non-root user, a health check', () => {
    const steps = instructions();
    expect(steps.filter((s) => s.op === 'FROM')).toHaveLength(2);
    const runs = steps.filter((s) => s.op === 'RUN').map((s) => s.args);
    expect(runs).toContainEqual(expect.stringMatching(/^npm ci\b/));
    expect(runs).toContainEqual(expect.stringMatching(/npm run build && npm prune --omit=dev/));
    const user = steps.filter((s) => s.op === 'USER').map((s) => s.args);
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)$/);
    // The runtime stage starts the build exactly as `npm run start:prod` does.
    const cmd = execForm(steps.find((s) => s.op === 'CMD')!.args);
    const startProd = JSON.parse(read('package.json')).scripts['start:prod'] as string;
    expect(cmd.join(' ')).toBe(startProd);
    const health = steps.find((s) => s.op === 'HEALTHCHECK')!.args;
    expect(health).toContain('/health');
  });

  it('leaves the host’s modules, build and data out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const path of ['node_modules', 'dist', '.data', '.git', '.env']) expect(ignored).toContain(path);
  });

  it('is what docker-compose.yml runs, in production mode, after PostgreSQL is healthy', () => {
    const compose = load(read('docker-compose.yml')) as any;
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'postgres']);
    const app = compose.services.app;
    expect(app.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
    expect(app.volumes).toBeUndefined(); // no host modules mounted over the image's
    expect(app.command).toBeUndefined(); // the image's CMD, not `npm ci && npm start`
    expect(app.environment).toMatchObject({ NODE_ENV: 'production', DATABASE_URL: expect.stringContaining('@postgres:5432/') });
    expect(app.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    // Metrics reach the host's loopback only.
    expect(app.ports).toContain('127.0.0.1:9464:9464');
  });

  describe('built and started as the image does it', () => {
    let proc: ChildProcess | undefined;
    let out = '';
    afterAll(() => {
      if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    });

    it(
      'builds, migrates an empty database, answers the HEALTHCHECK, serves /metrics, logs JSON without the route dump, and stops on SIGTERM',
      async () => {
        // `npm run build` is `nest build` with the tsc builder over tsconfig.build.json: the same compile,
        // into a private folder, since the package's bin prefers dist/ when present and other suites run it.
        expect(JSON.parse(read('package.json')).scripts.build).toBe('nest build');
        expect(JSON.parse(read('nest-cli.json')).compilerOptions).toMatchObject({ builder: 'tsc', tsConfigPath: 'tsconfig.build.json' });
        const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
        const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
        expect(`${build.status} ${build.stdout}`).toBe('0 ');
        // nest build also copies the assets nest-cli.json lists (the portal's templates, catalogs, assets).
        for (const a of JSON.parse(read('nest-cli.json')).compilerOptions.assets ?? []) {
          const dir = join('src', a.include.slice(0, a.include.indexOf('/*')));
          cpSync(join(ROOT, dir), join(BUILD, dir), { recursive: true });
        }

        // An empty database: the start itself must run the compiled migrations.
        const server = process.env.OL_TEST_SERVER_URL!;
        const dbName = `prod_${randomBytes(4).toString('hex')}`;
        const admin = new Client({ connectionString: `${server}/postgres` });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${dbName}`);
        await admin.end();

        const [port, metricsPort] = [await freePort(), await freePort()];
        const loadedFile = join(mkdtempSync(join(tmpdir(), 'ol-prod-')), 'loaded.txt');
        const [node, ...args] = execForm(instructions().find((s) => s.op === 'CMD')!.args);
        expect(node).toBe('node');
        const startArgs = args.map((a) => (a.startsWith('dist/') ? join(BUILD, a.slice('dist/'.length)) : a));
        proc = spawn(process.execPath, ['-r', join(__dirname, 'record-modules.js'), ...startArgs], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'production',
            SECRETS_MASTER_KEY: 'dGVzdC1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE=',
            DATABASE_URL: `${server}/${dbName}`,
            PORT: String(port),
            METRICS_PORT: String(metricsPort),
            OL_LOADED_MODULES_FILE: loadedFile,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        proc.stdout!.on('data', (d) => (out += d));
        proc.stderr!.on('data', (d) => (out += d));

        // The image's HEALTHCHECK command, as Docker runs it, until it passes.
        const [, ...healthArgs] = execForm(instructions().find((s) => s.op === 'HEALTHCHECK')!.args);
        const deadline = Date.now() + 90_000;
        let healthy = false;
        while (!healthy && Date.now() < deadline && proc.exitCode === null) {
          healthy = spawnSync(process.execPath, healthArgs, { env: { PORT: String(port) }, timeout: 5000 }).status === 0;
          if (!healthy) await new Promise((r) => setTimeout(r, 300));
        }
        expect({ healthy, out: healthy ? '' : out }).toEqual({ healthy: true, out: '' });

        const refused = await fetch(`http://127.0.0.1:${port}/v1/invoices`, { headers: { 'x-request-id': 'refused-1' } });
        expect(refused.status).toBe(401);
        const metrics = await scrape(metricsPort);
        expect(metrics.samples.get('http_requests_total{route="/v1/invoices",method="GET",status="401"}')).toBe(1);
        expect(metrics.samples.get('db_pool_connections_total')).toBeGreaterThanOrEqual(1);

        proc.kill('SIGTERM');
        expect(await exited(proc, 20_000)).toBe(0);

        // JSON lines (pino levels: 30 info, 40 warn), no module or route dump at info, health probes at debug.
        const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.filter((l) => ['RouterExplorer', 'RoutesResolver', 'InstanceLoader'].includes(l.context))).toEqual([]);
        expect(lines.filter((l) => l.req?.url === '/health')).toEqual([]);
        expect(lines.find((l) => l.req?.id === 'refused-1')).toMatchObject({ level: 40, code: 'API_KEY_MISSING', msg: expect.stringMatching(/^GET \/v1\/invoices 401 \d+ ms$/) });

        // Every package the start loaded is a production dependency: `npm prune --omit=dev` keeps it.
        const prod = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean);
        const prodDirs = new Set(prod.map((p) => p + sep));
        const packageDir = (file: string) => {
          const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+\/)/.exec(file);
          return m?.[1];
        };
        const loaded = readFileSync(loadedFile, 'utf8').split('\n').filter((f) => f.includes(`${sep}node_modules${sep}`) && !f.startsWith(BUILD));
        expect(loaded.length).toBeGreaterThan(50);
        const outsideProd = [...new Set(loaded.map(packageDir))].filter((d) => d && !prodDirs.has(d));
        expect(outsideProd).toEqual([]);

        const clean = new Client({ connectionString: `${server}/postgres` });
        await clean.connect();
        await clean.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await clean.end();
      },
      300_000,
    );
  });
});
