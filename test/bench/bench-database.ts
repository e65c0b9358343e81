// What the server benches share: a durable scratch PostgreSQL (fsync on, as in production), migrated,
// with one vendor created in-process as the operator's CLI does.
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { startScratchPostgres } from '../support/local-postgres';

export async function migrateAndCreateVendor(url: string, name: string): Promise<{ vendorId: string; adminKey: { id: string; secret: string } }> {
  const ds = new DataSource({ type: 'postgres', url, migrations, migrationsTransactionMode: 'each' });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  process.env.DATABASE_URL = url;
  process.env.LOG_LEVEL = 'silent';
  const { AppModule } = await import('../../src/app.module');
  const { VendorsService } = await import('../../src/parties/vendors.service');
  const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const { vendor, adminKey } = await ctx.get(VendorsService).create(name);
  await ctx.close();
  return { vendorId: vendor.id, adminKey: { id: adminKey.id, secret: adminKey.secret } };
}

export const startBenchPostgres = () => startScratchPostgres('ol-bench-', { database: 'bench' });
