// The README's layout section names every folder of src/ and only folders that exist.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** The folder names (`name/`) opening the lines of the README's layout block, under src/ and at the top. */
export function layoutFolders(readme: string): { src: string[]; top: string[] } {
  const block = /## Layout\s+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const src: string[] = [];
  const top: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^( *)([a-z][a-z0-9-]*)\//.exec(line);
    if (!m || m[2] === 'src') continue;
    (m[1].length > 0 ? src : top).push(m[2]);
  }
  return { src: src.sort(), top: top.sort() };
}

describe('README layout', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const folders = (dir: string) => readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory());

  it('names exactly the folders of src/', () => {
    expect(layoutFolders(readme).src).toEqual(folders(join(ROOT, 'src')).sort());
  });

  it('names only top-level folders that exist', () => {
    for (const name of layoutFolders(readme).top) expect(statSync(join(ROOT, name)).isDirectory()).toBe(true);
  });

  it('notices a folder the README names but the code lacks (fixture)', () => {
    const fixture = '## Layout\n\n```\nsrc/\n  auth/   keys\n  billing/  gone\ntest/   e2e\n```\n';
    expect(layoutFolders(fixture)).toEqual({ src: ['auth', 'billing'], top: ['test'] });
  });
});
