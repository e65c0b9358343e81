import http from 'node:http';

/** One scrape: the raw text and each sample by its series (`name{label="v",…}` as exposed). */
export interface Scrape {
  status: number;
  contentType: string;
  text: string;
  samples: Map<string, number>;
}

export function scrape(port: number, token?: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/metrics', headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, contentType: String(res.headers['content-type']), text, samples: parseSamples(text) }),
        );
      },
    );
    req.on('error', reject);
  });
}

/** The Prometheus text format's sample lines (comments skipped). */
export function parseSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** How much each series moved between two scrapes (a series absent before counts from 0). */
export function moved(before: Scrape, after: Scrape, series: string): number {
  return (after.samples.get(series) ?? 0) - (before.samples.get(series) ?? 0);
}
