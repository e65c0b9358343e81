import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { jsonOption, printResult } from '../common/cli-output';
import { ApiKeysService } from './api-keys.service';
import { ROLES, type Role } from './entities/api-key.entity';

interface Opts {
  vendor?: string;
  key?: string;
  role?: Role;
  customer?: string;
  name?: string;
  json?: boolean;
}

abstract class VendorScopedCommand extends CommandRunner {
  @Option({ flags: '--vendor <id>', description: 'vendor id', required: true })
  parseVendor(v: string): string {
    return v;
  }

  @Option(jsonOption)
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'list', description: 'list a vendor’s API keys (never the secrets)' })
export class KeysListCommand extends VendorScopedCommand {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  async run(_: string[], o: Opts): Promise<void> {
    const rows = await this.keys.list(o.vendor!);
    printResult(o.json, rows, () =>
      rows.map(
        (k) =>
          `${k.id}  ${k.prefix}…  ${k.role.padEnd(12)} ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  last used ${k.lastUsedAt ?? 'never'}  ${k.name}`,
      ),
    );
  }
}

@SubCommand({ name: 'create', description: 'issue an API key' })
export class KeysCreateCommand extends VendorScopedCommand {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  async run(_: string[], o: Opts): Promise<void> {
    const key = await this.keys.issue(o.vendor!, { name: o.name ?? `${o.role} key`, role: o.role ?? 'vendor_admin', customerId: o.customer });
    printResult(o.json, key, () => [`key ${key.id} (${key.role}) issued; shown once: ${key.secret}`]);
  }

  @Option({ flags: '--role <role>', description: `one of ${ROLES.join(', ')}`, defaultValue: 'vendor_admin' })
  parseRole(v: string): Role {
    if (!ROLES.includes(v as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
    return v as Role;
  }

  @Option({ flags: '--customer <id>', description: 'customer id (role customer)' })
  parseCustomer(v: string): string {
    return v;
  }

  @Option({ flags: '--name <name>', description: 'a label for the key' })
  parseName(v: string): string {
    return v;
  }
}

@SubCommand({ name: 'revoke', description: 'revoke an API key' })
export class KeysRevokeCommand extends VendorScopedCommand {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  async run(_: string[], o: Opts): Promise<void> {
    if (!o.key) throw new Error('--key is required');
    const key = await this.keys.revoke(o.vendor!, o.key);
    printResult(o.json, key, () => [`key ${key.id} revoked at ${key.revokedAt}`]);
  }

  @Option({ flags: '--key <id>', description: 'the key’s id (not its secret)', required: true })
  parseKey(v: string): string {
    return v;
  }
}

@Command({ name: 'keys', description: 'manage API keys', subCommands: [KeysListCommand, KeysCreateCommand, KeysRevokeCommand] })
export class KeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
