// Two faces of one command, both offline (they read the archive and nothing else):
// - `outcome-ledger verify-bundle <file.zip>`: the project's own bin (bin/outcome-ledger.js);
// - `outcome-ledger-verify <file.zip>`: the standalone package @outcome-ledger/verify
//   (packages/verify), what an auditor runs with `npx @outcome-ledger/verify`.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { engineRelease, ENGINE_VERSION, VERIFIER_PACKAGE } from '../pricing/version';
import { formatReport, verifyBundle } from './verify-bundle';

interface VerifyFlags {
  publicKey?: string;
  checkpoint?: string[];
  checkpointPublicKey?: string[];
  json?: boolean;
}

const collect = (v: string, all: string[] = []) => [...all, v];

/** Declares the file argument and the flags on a command; the action sets the exit code. */
function verifyCommand(cmd: Command, done: (code: number) => void): Command {
  return cmd
    .argument('<file>', 'the evidence bundle (.zip)')
    .option('--public-key <file>', 'the vendor’s published Ed25519 public key (PEM); without it only integrity is proven')
    .option('--checkpoint <file>', 'a ledger checkpoint (JSON) kept earlier: prove the bundle’s chain still extends it (repeatable)', collect)
    .option('--checkpoint-public-key <file>', 'a retired vendor key (PEM) that signed a kept checkpoint (repeatable)', collect)
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: VerifyFlags) => done(await runVerify(file, opts)));
}

async function runVerify(file: string, opts: VerifyFlags): Promise<number> {
  let publicKeyPem: string | undefined;
  if (opts.publicKey) {
    try {
      publicKeyPem = readFileSync(opts.publicKey, 'utf8');
    } catch (e) {
      process.stderr.write(`cannot read --public-key ${opts.publicKey}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const checkpoints: unknown[] = [];
  const checkpointKeyPems: string[] = [];
  for (const [flag, files, into, asJson] of [
    ['--checkpoint', opts.checkpoint, checkpoints, true],
    ['--checkpoint-public-key', opts.checkpointPublicKey, checkpointKeyPems, false],
  ] as const) {
    for (const f of files ?? []) {
      try {
        const text = readFileSync(f, 'utf8');
        (into as unknown[]).push(asJson ? JSON.parse(text) : text);
      } catch (e) {
        process.stderr.write(`cannot read ${flag} ${f}: ${(e as Error).message}\n`);
        return 2;
      }
    }
  }
  const report = await verifyBundle(file, { publicKeyPem, checkpoints, checkpointKeyPems });
  process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report, file));
  return report.ok ? 0 : 1;
}

/** Parses argv; commander's own exits (help, version, a usage error) become 0 or 2. */
async function run(program: Command, argv: string[], exitCode: () => number): Promise<number> {
  try {
    await program.exitOverride().showHelpAfterError().parseAsync(argv);
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  return exitCode();
}

export function main(argv: string[] = process.argv): Promise<number> {
  let exitCode = 0;
  const program = new Command().name('outcome-ledger').description('Outcome Ledger offline tools');
  verifyCommand(
    program.command('verify-bundle').description('verify an evidence bundle offline: digests, signature, hash chain, and every invoice recomputed'),
    (c) => (exitCode = c),
  );
  return run(program, argv, () => exitCode);
}

/** The standalone package's bin: the same verification, the file as its only argument. */
export function verifyMain(argv: string[] = process.argv): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('outcome-ledger-verify')
    .description(`${VERIFIER_PACKAGE}: verify an Outcome Ledger evidence bundle offline (pricing engine ${ENGINE_VERSION})`)
    .version(engineRelease(ENGINE_VERSION));
  verifyCommand(program, (c) => (exitCode = c));
  return run(program, argv, () => exitCode);
}

if (require.main === module) void main().then((code) => process.exit(code));
