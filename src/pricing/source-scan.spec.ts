// No JS number carries money, quantity or rate: a textual scan of the engine's (non-spec) sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Strips comments and the contents of quoted strings so that prose does not trip the scan. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "'s'")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '"s"');
}

const RULES: { name: string; pattern: RegExp; allowIn?: string[] }[] = [
  { name: 'parseFloat(', pattern: /\bparseFloat\(/ },
  { name: 'Number(', pattern: /\bNumber\(/ },
  { name: 'Math.round(', pattern: /\bMath\.round\(/ },
  // Decimal's own toFixed is the one allowed use, confined to decimal.ts (fixed() and plain()).
  { name: 'toFixed(', pattern: /\.toFixed\(/, allowIn: ['decimal.ts'] },
  // String concatenation with `+` next to a string literal.
  { name: 'string + concatenation', pattern: /(['"`]\s*\+(?!\+))|((?<!\+)\+\s*['"`])/ },
  // Unary plus coercing a string to a number: `+x`, `= +x`, `(+x`, `return +x`.
  { name: 'unary + coercion', pattern: /(^|[=(,:?[!&|]|\breturn)\s*\+(?![+=\s\d])[\w$(]/ },
];

describe('source scan', () => {
  const root = __dirname;
  const files = sources(root);

  it('finds the engine sources', () => {
    expect(files.map((f) => relative(root, f))).toEqual(expect.arrayContaining(['engine.ts', 'terms.ts', 'decimal.ts', 'currency.ts']));
  });

  it('never uses parseFloat, Number(), toFixed outside decimal.ts, Math.round or + on strings', () => {
    const offences: string[] = [];
    for (const file of files) {
      const rel = relative(root, file);
      code(readFileSync(file, 'utf8')).split('\n').forEach((line, i) => {
        for (const rule of RULES) {
          if (rule.allowIn?.includes(rel)) continue;
          if (rule.pattern.test(line)) offences.push(`${rel}:${i + 1}: ${rule.name}: ${line.trim()}`);
        }
      });
    }
    expect(offences).toEqual([]);
  });

  it('catches each forbidden pattern in a sample', () => {
    const bad = ['const a = parseFloat(x);', 'const b = Number(s);', 'x.toFixed(2)', 'Math.round(y)', "const s = 'a' + b;", 'const n = +amount;'];
    for (const sample of bad) expect(RULES.some((r) => r.pattern.test(sample))).toBe(true);
    const good = ['const i = a + b;', 'for (let i = 0; i < n; i++) {}', 'x += 1;', '`${a}${b}`'];
    for (const sample of good) expect(RULES.some((r) => r.pattern.test(sample))).toBe(false);
  });

  it('imports nothing from Nest, TypeORM or other src folders', () => {
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) {
        const allowed = spec === 'decimal.js' || spec === 'node:crypto' || (spec.startsWith('.') && !spec.startsWith('../..'));
        if (!allowed) throw new Error(`${relative(root, file)} imports ${spec}`);
        if (spec.startsWith('..') && !relative(root, file).startsWith('testing')) throw new Error(`${relative(root, file)} imports ${spec}`);
      }
    }
  });
});
