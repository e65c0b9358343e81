import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { jsonOption, printResult } from '../common/cli-output';
import { LedgerService } from './ledger.service';

interface Opts {
  vendor?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@SubCommand({ name: 'verify', description: 'walk a vendor’s journal hash chain from genesis; exit 1 at the first broken link' })
export class LedgerVerifyCommand extends CommandRunner {
  constructor(private readonly ledger: LedgerService) {
    super();
  }

  async run(_: string[], opts: Opts): Promise<void> {
    if (!opts.vendor || !UUID.test(opts.vendor)) throw new Error('--vendor <id> is required (a vendor id)');
    const report = await this.ledger.verify(opts.vendor);
    printResult(opts.json, report, () =>
      report.ok
        ? [`OK: ${report.entries} journal entries verified from genesis; head hash ${report.headHash}`]
        : [
            `BROKEN at sequence ${report.firstBroken!.sequence}` +
              `${report.firstBroken!.entryId ? ` (entry ${report.firstBroken!.entryId})` : ' (entry missing)'}: ${report.firstBroken!.reason}`,
            `${report.entries} entries walked; last good hash ${report.headHash}`,
          ],
    );
    if (!report.ok) process.exitCode = 1;
  }

  @Option({ flags: '--vendor <id>', description: 'the vendor whose chain to verify', required: true })
  parseVendor(v: string): string {
    return v;
  }

  @Option(jsonOption)
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'ledger', description: 'the hash-chained journal', subCommands: [LedgerVerifyCommand] })
export class LedgerCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
