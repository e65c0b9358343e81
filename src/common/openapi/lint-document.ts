import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm run lint:openapi`: Redocly's `recommended` ruleset (redocly.yaml) over the document the
 * service serves, written by write-document.ts. Redocly exits 0 on warnings; the contract is zero
 * errors and zero warnings, so this counts both and fails on either.
 * Usage: node -r @swc-node/register src/common/openapi/lint-document.ts <openapi.json>
 */
const file = process.argv[2] ?? 'test-output/openapi.json';
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
const redocly = join(__dirname, '../../../node_modules/.bin/redocly');
const run = spawnSync(redocly, ['lint', file, '--format=json', '--max-problems=1000'], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report: { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
try {
  report = JSON.parse(run.stdout);
} catch {
  process.stderr.write(`redocly lint did not answer a report (exit ${run.status}):\n${run.stdout}\n${run.stderr}\n`);
  process.exit(1);
}
for (const p of report.problems) process.stdout.write(`${p.severity.padEnd(5)} ${p.ruleId}  ${p.location[0]?.pointer ?? ''}  ${p.message}\n`);
const { errors, warnings } = report.totals;
process.stdout.write(`openapi lint (${file}): ${errors} errors, ${warnings} warnings\n`);
process.exit(errors + warnings === 0 ? 0 : 1);
