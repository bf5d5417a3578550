// One POST of a webhook to the address checked for it (url-check.ts): the connection's own lookup
// answers that address only, so the name is not resolved a second time. No redirects are followed
// (node:http never follows one), and the whole exchange is abandoned after the timeout.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './url-check.js';

export const SEND_TIMEOUT_MS = 10_000;

export interface SendResult {
  /** The receiver's status, when it answered. */
  statusCode: number | null;
  /** Why it failed; null on any 2xx. */
  error: string | null;
}

/** A lookup that answers `pinned` whatever it is asked (also as a list, as Node's happy eyeballs asks). */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  }) as LookupFunction;
}

export function send(url: URL, to: ResolvedAddress, headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<SendResult> {
  const timeout = AbortSignal.timeout(SEND_TIMEOUT_MS);
  const abort = signal ? AbortSignal.any([timeout, signal]) : timeout;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Thread-Webhooks/1' },
        lookup: pinnedLookup(to),
        agent: false,
        signal: abort,
      },
      (res) => {
        const statusCode = res.statusCode ?? 0;
        // The answer's body is not kept: read and dropped, within the same timeout.
        res.resume();
        res.on('end', () => {
          if (statusCode >= 200 && statusCode < 300) resolve({ statusCode, error: null });
          else if (statusCode >= 300 && statusCode < 400) resolve({ statusCode, error: `answered ${statusCode}: redirects are not followed` });
          else resolve({ statusCode, error: `answered ${statusCode}` });
        });
        // Closed before its end (the timeout, or the receiver hung up): the first of these settles it.
        const brokenOff = () => resolve({ statusCode, error: timeout.aborted ? `no answer within ${SEND_TIMEOUT_MS / 1000} s` : 'the answer broke off' });
        res.on('error', brokenOff);
        res.on('close', brokenOff);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      const why = timeout.aborted ? `no answer within ${SEND_TIMEOUT_MS / 1000} s` : signal?.aborted ? 'stopped: the server is shutting down' : `could not connect (${error.code ?? error.message})`;
      resolve({ statusCode: null, error: why });
    });
    req.end(body);
  });
}
