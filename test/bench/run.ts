// `npm run bench -- <name>`: runs the default export of test/bench/<name>.bench.ts.
import 'reflect-metadata';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const name = process.argv[2];
  const file = join(__dirname, `${name}.bench.ts`);
  if (!name || !existsSync(file)) {
    const known = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
    console.error(`usage: npm run bench -- <name>   (one of: ${known.join(', ')})`);
    process.exit(2);
  }
  const mod = require(file);
  await mod.default(process.argv.slice(3));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
