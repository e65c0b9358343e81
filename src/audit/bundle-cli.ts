// `outcome-ledger verify-bundle <file.zip> [--public-key <file>] [--json]`: the package's own bin
// (bin/outcome-ledger.js). Needs no database and no network: it reads the archive and nothing else.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { formatReport, verifyBundle } from './verify-bundle';

export async function main(argv: string[] = process.argv): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('outcome-ledger')
    .description('Outcome Ledger offline tools')
    .exitOverride()
    .showHelpAfterError();
  program
    .command('verify-bundle')
    .description('verify an evidence bundle offline: digests, signature, hash chain, and every invoice recomputed')
    .argument('<file>', 'the evidence bundle (.zip)')
    .option('--public-key <file>', 'the vendor’s published Ed25519 public key (PEM); without it only integrity is proven')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { publicKey?: string; json?: boolean }) => {
      let publicKeyPem: string | undefined;
      if (opts.publicKey) {
        try {
          publicKeyPem = readFileSync(opts.publicKey, 'utf8');
        } catch (e) {
          process.stderr.write(`cannot read --public-key ${opts.publicKey}: ${(e as Error).message}\n`);
          exitCode = 2;
          return;
        }
      }
      const report = await verifyBundle(file, { publicKeyPem });
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report, file));
      exitCode = report.ok ? 0 : 1;
    });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  return exitCode;
}

if (require.main === module) void main().then((code) => process.exit(code));
