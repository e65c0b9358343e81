// Rewriting an evidence bundle the way a tamperer (or an insider holding the vendor's key) would:
// read every entry, change some, rebuild the manifest's digests, write a well-formed zip.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { ZipFile } from 'yazl';
import type { BundleManifest } from '../../src/audit/bundle-format';
import { ZipReader } from '../../src/audit/zip-reader';

export type BundleFiles = Array<[string, Buffer]>;

/** Every entry of a bundle, in archive order. */
export async function entries(file: string): Promise<BundleFiles> {
  const zip = await ZipReader.open(file);
  const out: BundleFiles = [];
  for (const name of zip.entries.keys()) out.push([name, await zip.read(name)]);
  zip.close();
  return out;
}

/** Writes the entries as a new, well-formed zip (CRCs recomputed): tampering that a ZIP tool would not notice. */
export function rezip(files: BundleFiles, dest: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    for (const [name, body] of files) zip.addBuffer(body, name);
    zip.end();
    const out = createWriteStream(dest);
    zip.outputStream.pipe(out).on('finish', () => resolve(dest)).on('error', reject);
  });
}

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A fresh manifest whose digests match the (changed) files. */
export function remanifest(files: BundleFiles): Buffer {
  const m: BundleManifest = JSON.parse(files.find(([n]) => n === 'manifest.json')![1].toString('utf8'));
  const byName = new Map(files);
  m.files = m.files.map((f) => ({ ...f, sha256: sha(byName.get(f.path)!), bytes: byName.get(f.path)!.length }));
  return Buffer.from(JSON.stringify(m, null, 2) + '\n');
}

export function replace(files: BundleFiles, name: string, body: Buffer): BundleFiles {
  return files.map(([n, b]) => [n, n === name ? body : b]);
}

/** The changed files under a fresh manifest, signed by `sign` (the vendor's key, for an insider). */
export function resigned(files: BundleFiles, sign: (data: Buffer) => Buffer): BundleFiles {
  const manifest = remanifest(files);
  return replace(replace(files, 'manifest.json', manifest), 'manifest.sig', Buffer.from(sign(manifest).toString('base64') + '\n'));
}
