import type { LookupAddress } from 'node:dns';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { WebhookDestinationPolicy } from '../../src/webhooks/destination-policy';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  server: Server;
  port: number;
  base: string;
  received: Received[];
  close(): Promise<void>;
}

/** A receiver on loopback only: /ok answers 204, /fail 500, /flaky 503 twice then 200, /redirect 302 to /ok. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let flaky = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/ok') res.writeHead(204).end();
      else if (req.url === '/flaky') res.writeHead(++flaky <= 2 ? 503 : 200).end('thanks');
      else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      else res.writeHead(500).end('boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, base: `http://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}


/**
 * Replaces the destination policy's DNS (the one edge the webhook suites replace): names answer
 * what `table` says at the time of the lookup, anything else is ENOTFOUND. Each lookup is appended to `seen`.
 */
export function stubDns(policy: WebhookDestinationPolicy, table: Record<string, string[]>, seen: string[] = []): void {
  policy.resolve = async (host): Promise<LookupAddress[]> => {
    seen.push(host);
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}
