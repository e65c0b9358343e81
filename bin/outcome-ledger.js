#!/usr/bin/env node
// The package's command line (offline tools: `outcome-ledger verify-bundle <file.zip>`).
// Runs the compiled build when there is one, else the TypeScript sources through @swc-node/register.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'src', 'audit', 'bundle-cli.js');
let cli;
if (existsSync(built)) {
  cli = require(built);
} else {
  require('@swc-node/register');
  cli = require(join(__dirname, '..', 'src', 'audit', 'bundle-cli.ts'));
}
cli.main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(String((err && err.stack) || err) + '\n');
    process.exit(2);
  },
);
