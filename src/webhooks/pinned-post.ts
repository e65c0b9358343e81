import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { PinnedAddress } from './destination-policy';

/** A DNS lookup that answers only the address the policy checked: no second resolution can redirect the socket. */
function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: pinned.address, family: pinned.family } satisfies LookupAddress]);
    else callback(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
}

/**
 * POSTs `body` to `url` over a fresh connection to `pinned` (TLS still checks the certificate
 * against the URL's host name). Resolves with the status code as soon as the response head
 * arrives; the response body is never read. Redirects are not followed: a 3xx is an answer.
 */
export function postPinned(url: URL, pinned: PinnedAddress, headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<number> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: false,
        lookup: pinnedLookup(pinned),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
