import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { buildOpenApiDocument } from './document';

/**
 * Writes the OpenAPI document the service serves, without a database: Nest's preview mode builds
 * the module graph and the routes' metadata but instantiates no provider (so nothing connects).
 * Usage: node -r @swc-node/register src/common/openapi/write-document.ts [out.json]
 */
async function main(): Promise<void> {
  process.env.NODE_ENV ??= 'development';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AppModule } = require('../../app.module') as typeof import('../../app.module');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { preview: true, logger: false, abortOnError: false, bodyParser: false });
  const doc = buildOpenApiDocument(app);
  const out = process.argv[2] ?? 'openapi.json';
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  await app.close();
  process.stdout.write(`wrote ${out}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
