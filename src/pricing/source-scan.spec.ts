// Textual scans of the sources: no JS number carries money, quantity or rate in the engine and the
// kernel; the kernel and pricing stay pure (no Nest, TypeORM, pg, no other src folder); and no
// production file imports a `testing/` folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(__dirname, '..');
const PRICING = __dirname;
const KERNEL = join(SRC, 'kernel');

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

/** Module specifiers of `import … from`, `export … from`, `import(…)` and `require(…)`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)'([^']+)'/g)].map((m) => m[1]);
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);
const isTestingPath = (path: string) => path.split(sep).includes('testing');

const RULES: { name: string; pattern: RegExp; allowIn?: string[] }[] = [
  { name: 'parseFloat(', pattern: /\bparseFloat\(/ },
  { name: 'Number(', pattern: /\bNumber\(/ },
  { name: 'Math.round(', pattern: /\bMath\.round\(/ },
  // Decimal's own toFixed is the one allowed use, confined to the kernel's decimal.ts.
  { name: 'toFixed(', pattern: /\.toFixed\(/, allowIn: ['kernel/decimal.ts'] },
  // String concatenation with `+` next to a string literal.
  { name: 'string + concatenation', pattern: /(['"`]\s*\+(?!\+))|((?<!\+)\+\s*['"`])/ },
  // Unary plus coercing a string to a number: `+x`, `= +x`, `(+x`, `return +x`.
  { name: 'unary + coercion', pattern: /(^|[=(,:?[!&|]|\breturn)\s*\+(?![+=\s\d])[\w$(]/ },
];

describe('source scan', () => {
  const files = [...sources(PRICING), ...sources(KERNEL)];

  it('finds the engine and kernel sources', () => {
    expect(files.map((f) => relative(SRC, f).split(sep).join('/'))).toEqual(
      expect.arrayContaining(['pricing/engine.ts', 'pricing/terms.ts', 'kernel/decimal.ts', 'kernel/currency.ts', 'kernel/calendar.ts']),
    );
  });

  it('never uses parseFloat, Number(), toFixed outside kernel/decimal.ts, Math.round or + on strings', () => {
    const offences: string[] = [];
    for (const file of files) {
      const rel = relative(SRC, file).split(sep).join('/');
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

  it('keeps the kernel and pricing pure: decimal.js, node:crypto and their own folders only (pricing may use the kernel)', () => {
    const offences: string[] = [];
    for (const file of files) {
      const own = inside(file, KERNEL) ? [KERNEL] : [PRICING, KERNEL];
      for (const spec of importsOf(file)) {
        if (spec === 'decimal.js' || spec === 'node:crypto') continue;
        const target = spec.startsWith('.') ? resolve(dirname(file), spec) : null;
        if (target && own.some((dir) => inside(target, dir))) continue;
        offences.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('finds no production file under src/ that imports a testing/ folder', () => {
    const offences: string[] = [];
    for (const file of sources(SRC)) {
      if (isTestingPath(relative(SRC, file))) continue; // test support may use its siblings
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue; // packages such as @nestjs/testing are not src folders
        if (isTestingPath(relative(SRC, resolve(dirname(file), spec)))) offences.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('the import checks catch what they forbid', () => {
    expect(importsOf(__filename)).toEqual(expect.arrayContaining(['node:fs', 'node:path']));
    expect(isTestingPath(join('pricing', 'testing', 'scenario-input.ts'))).toBe(true);
    expect(isTestingPath(join('pricing', 'terms-in-force.ts'))).toBe(false);
  });
});
