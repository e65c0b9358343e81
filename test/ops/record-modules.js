// Preloaded (`node -r`) into the production start by production-image.e2e-spec.ts: at exit, writes
// every module file the process loaded, to prove that the start needs no devDependency.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => writeFileSync(process.env.OL_LOADED_MODULES_FILE, Object.keys(require.cache).join('\n')));
