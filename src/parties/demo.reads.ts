import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Params } from '../common/sql';

/** What the demo seeder (src/demo, helper B2) reads of parties to find the demo data again on a restart. */
@Injectable()
export class DemoPartyReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The demo vendor, by its name: the one lookup made before any vendor (hence any scope) is known. */
  async vendorIdNamed(name: string): Promise<string | null> {
    const [row] = await this.db.query(`SELECT v.id FROM vendors v WHERE v.name = $1 ORDER BY v.id LIMIT 1`, [name]);
    return row?.id ?? null;
  }

  async customerIdByReference(scope: Scope, reference: string): Promise<string | null> {
    const ps = new Params();
    const where = scopeSql(scope, { vendorId: 'cu.vendor_id', customerId: 'cu.id' }, ps.values);
    const [row] = await this.db.query(`SELECT cu.id FROM customers cu WHERE ${where} AND cu.reference = ${ps.add(reference)}`, ps.values);
    return row?.id ?? null;
  }
}
