import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root';
import { engineRelease, ENGINE_VERSION, VERIFIER_PACKAGE } from './version';

const json = (path: string) => JSON.parse(readFileSync(join(projectRoot(), path), 'utf8'));

describe('the engine version and the verifier package', () => {
  const verifier = json('packages/verify/package.json');

  it('publishes the verifier under the engine’s release number, so a bundle names the verifier to install', () => {
    expect(ENGINE_VERSION).toMatch(/^outcome-ledger-pricing\/\d+\.\d+\.\d+$/);
    expect(verifier.name).toBe(VERIFIER_PACKAGE);
    expect(verifier.version).toBe(engineRelease(ENGINE_VERSION));
  });

  it('depends on the engine’s few libraries only, at the ranges the service itself runs', () => {
    const root = json('package.json');
    expect(Object.keys(verifier.dependencies).sort()).toEqual(['commander', 'csv-parse', 'decimal.js', 'yauzl']);
    for (const [name, range] of Object.entries(verifier.dependencies)) expect([name, range]).toEqual([name, root.dependencies[name]]);
  });

  it('reads the release off a recorded engine version', () => {
    expect(engineRelease('outcome-ledger-pricing/0.9.2')).toBe('0.9.2');
  });
});
