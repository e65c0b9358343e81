import { readFileSync } from 'node:fs';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { jsonOption, printResult } from '../common/cli-output';
import type { ChainReport } from './chain';
import type { KeptCheckpointView } from './dto/ledger.dto';
import { LedgerService } from './ledger.service';

interface Opts {
  vendor?: string;
  checkpoint?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@SubCommand({
  name: 'verify',
  description: 'walk a vendor’s journal hash chain from genesis, held to its signed checkpoints (and --checkpoint); exit 1 at the first broken link',
})
export class LedgerVerifyCommand extends CommandRunner {
  constructor(private readonly ledger: LedgerService) {
    super();
  }

  async run(_: string[], opts: Opts): Promise<void> {
    if (!opts.vendor || !UUID.test(opts.vendor)) throw new Error('--vendor <id> is required (a vendor id)');
    // A kept checkpoint is checked (shape, vendor, signature) before the walk: a bad one is an error, not a verdict.
    const report: ChainReport & { checkpoint?: KeptCheckpointView } = opts.checkpoint
      ? await this.ledger.verifyAgainst(opts.vendor, JSON.parse(readFileSync(opts.checkpoint, 'utf8')))
      : await this.ledger.verify(opts.vendor);
    const kept = report.checkpoint;
    printResult(opts.json, report, () =>
      report.ok
        ? [
            `OK: ${report.entries} journal entries verified from genesis; head hash ${report.headHash}` +
              (report.checkpoints ? `; held to ${report.checkpoints} signed checkpoint(s)` : ''),
            ...(kept ? [`the chain extends the checkpoint of entry ${kept.sequence} signed ${kept.signedAt}`] : []),
          ]
        : [
            `BROKEN at sequence ${report.firstBroken!.sequence}` +
              `${report.firstBroken!.entryId ? ` (entry ${report.firstBroken!.entryId})` : ' (entry missing)'}: ${report.firstBroken!.reason}`,
            `${report.entries} entries walked; last good hash ${report.headHash}`,
            ...(kept && !kept.extended ? [`the chain does NOT extend the checkpoint of entry ${kept.sequence} signed ${kept.signedAt}`] : []),
          ],
    );
    if (!report.ok) process.exitCode = 1;
  }

  @Option({ flags: '--vendor <id>', description: 'the vendor whose chain to verify', required: true })
  parseVendor(v: string): string {
    return v;
  }

  @Option({ flags: '--checkpoint <file>', description: 'a checkpoint (JSON) kept earlier: prove the chain still extends it' })
  parseCheckpoint(v: string): string {
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
