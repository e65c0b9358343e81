// auth sits below every domain: it imports none of them, and no folder of src/ reaches back into
// itself through parties, contracts or common. Folder-level import graph from the source text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(__dirname, '..');

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        const from = relative(SRC, path).split(sep)[0];
        for (const m of readFileSync(path, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
          const to = relative(SRC, resolve(dirname(path), m[1])).split(sep)[0];
          if (to !== from && !to.startsWith('..')) (graph.get(from) ?? graph.set(from, new Set()).get(from)!).add(to);
        }
      }
    }
  };
  walk(SRC);
  return graph;
}

/** A path from `start` back to itself, or null. */
function cycleThrough(graph: Map<string, Set<string>>, start: string): string[] | null {
  const seen = new Set<string>();
  const search = (node: string, path: string[]): string[] | null => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = search(next, [...path, next]);
      if (found) return found;
    }
    return null;
  };
  return search(start, [start]);
}

describe('layering of src/', () => {
  const graph = folderGraph();

  it('auth imports no domain: only the shared common folder', () => {
    expect([...(graph.get('auth') ?? [])].sort()).toEqual(['common']);
  });

  it.each(['parties', 'contracts', 'common', 'auth'])('no folder-level import cycle runs through %s', (folder) => {
    expect(cycleThrough(graph, folder)).toBeNull();
  });

  it('no folder-level import cycle anywhere in src/', () => {
    const cycles = [...graph.keys()].map((folder) => cycleThrough(graph, folder)).filter((c) => c !== null);
    expect(cycles.map((c) => c!.join(' -> '))).toEqual([]);
  });

  it('finds a cycle when there is one (fixture graph)', () => {
    const fixture = new Map([
      ['invoicing', new Set(['ledger', 'auth'])],
      ['ledger', new Set(['invoicing'])],
      ['auth', new Set(['common'])],
    ]);
    expect(cycleThrough(fixture, 'invoicing')).toEqual(['invoicing', 'ledger', 'invoicing']);
    expect(cycleThrough(fixture, 'auth')).toBeNull();
  });

  it('production code imports no testing/ folder, and only the app wiring imports src/demo', () => {
    const offending = productionImports().filter(
      ({ file, target }) =>
        target.split(sep).includes('testing') ||
        (target.split(sep)[0] === 'demo' && file.split(sep)[0] !== 'demo' && !APP_WIRING.includes(file)),
    );
    expect(offending.map(({ file, target }) => `src/${file} -> src/${target}`)).toEqual([]);
  });
});

/** The files that assemble the application and may start the demo. */
const APP_WIRING = ['app.module.ts', 'main.ts'];

/** Every relative import of a production file of src/: the importing file and the imported path, both relative to src/. */
function productionImports(): Array<{ file: string; target: string }> {
  const found: Array<{ file: string; target: string }> = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'testing') walk(path);
      } else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g))
          found.push({ file: relative(SRC, path), target: relative(SRC, resolve(dirname(path), m[1])) });
      }
    }
  };
  walk(SRC);
  return found;
}
