import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { jsonOption, printResult } from '../common/cli-output';
import { VendorsService } from './vendors.service';

interface Opts {
  name?: string;
  json?: boolean;
}

@SubCommand({ name: 'create', description: 'create a vendor (tenant) with its first admin API key' })
export class VendorCreateCommand extends CommandRunner {
  constructor(private readonly vendors: VendorsService) {
    super();
  }

  async run(_: string[], opts: Opts): Promise<void> {
    if (!opts.name) throw new Error('--name is required');
    const created = await this.vendors.create(opts.name);
    printResult(opts.json, created, () => [
      `vendor ${created.vendor.id} "${created.vendor.name}" created`,
      `admin key (shown once, store it now): ${created.adminKey.secret}`,
    ]);
  }

  @Option({ flags: '-n, --name <name>', description: 'the vendor’s name', required: true })
  parseName(v: string): string {
    return v;
  }

  @Option(jsonOption)
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'list', description: 'list vendors' })
export class VendorListCommand extends CommandRunner {
  constructor(private readonly vendors: VendorsService) {
    super();
  }

  async run(_: string[], opts: Opts): Promise<void> {
    const rows = (await this.vendors.list()).map((v) => ({ id: v.id, name: v.name, createdAt: v.created_at.toISOString() }));
    printResult(opts.json, rows, () => (rows.length ? rows.map((v) => `${v.id}  ${v.name}  (since ${v.createdAt})`) : ['no vendors']));
  }

  @Option(jsonOption)
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'vendor', description: 'manage vendors (tenants)', subCommands: [VendorCreateCommand, VendorListCommand] })
export class VendorCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
