// A small promise face over yauzl: the central directory is read once; each entry is streamed on
// demand, several at a time if needed (the verifier merge-joins sorted CSV files).
import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';

export class ZipReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    readonly entries: Map<string, yauzl.Entry>,
    /** Names that occur more than once in the central directory (a trick to show one file and verify another). */
    readonly duplicates: string[],
  ) {}

  static open(path: string): Promise<ZipReader> {
    return new Promise((resolve, reject) => {
      yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
        if (err || !zip) return reject(err ?? new Error('cannot open the zip file'));
        const entries = new Map<string, yauzl.Entry>();
        const duplicates: string[] = [];
        zip.on('entry', (e: yauzl.Entry) => {
          if (!e.fileName.endsWith('/')) {
            if (entries.has(e.fileName)) duplicates.push(e.fileName);
            entries.set(e.fileName, e);
          }
          zip.readEntry();
        });
        zip.once('end', () => resolve(new ZipReader(zip, entries, duplicates)));
        zip.once('error', reject);
        zip.readEntry();
      });
    });
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  stream(name: string): Promise<Readable> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.reject(new Error(`${name} is not in the bundle`));
    return new Promise((resolve, reject) =>
      this.zip.openReadStream(entry, (err, s) => (err || !s ? reject(err ?? new Error(`cannot read ${name}`)) : resolve(s))),
    );
  }

  /** A small file in full (manifest, signature, JSON documents). */
  async read(name: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of await this.stream(name)) {
      size += (c as Buffer).length;
      if (size > maxBytes) throw new Error(`${name} is larger than ${maxBytes} bytes`);
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  close(): void {
    this.zip.close();
  }
}
