#!/usr/bin/env node
// `outcome-ledger-verify <bundle.zip> [--public-key vendor.pem] [--json]`: offline, no database, no network.
'use strict';
require('../dist/audit/bundle-cli.js')
  .verifyMain(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(String((err && err.stack) || err) + '\n');
      process.exit(2);
    },
  );
