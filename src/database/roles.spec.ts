import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rolePasswords } from './roles';

describe('role passwords of the embedded PostgreSQL', () => {
  it('are generated once, hex, different per role, readable by their user only, and kept across starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ol-roles-'));
    try {
      const file = join(dir, 'database-roles.json');
      const first = rolePasswords(file);
      expect(first.owner).toMatch(/^[0-9a-f]{36}$/);
      expect(first.app).toMatch(/^[0-9a-f]{36}$/);
      expect(first.app).not.toBe(first.owner);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(rolePasswords(file)).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
