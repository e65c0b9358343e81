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
});
