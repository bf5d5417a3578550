// A webhook receiver on a loopback port, for tests: it keeps every request it gets and answers with
// the status the test sets. It checks nothing itself; tests verify signatures with node:crypto.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  /** The status it was answered. */
  answered: number;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** The status to answer the next requests with (default 200). */
  answer: number | ((request: Received) => number);
  /** Where a 3xx answer points. */
  redirectTo?: string;
  /** Resolves once `ready(received)` holds; fails after `ms`. */
  waitFor(ready: (received: Received[]) => boolean, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: Received = { headers: req.headers, body, json: JSON.parse(body), answered: 0 };
      request.answered = typeof receiver.answer === 'function' ? receiver.answer(request) : receiver.answer;
      received.push(request);
      res.writeHead(request.answered, request.answered >= 300 && request.answered < 400 ? { location: receiver.redirectTo ?? '/' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    received,
    answer: 200,
    async waitFor(ready, ms = 20_000) {
      const until = Date.now() + ms;
      while (!ready(received)) {
        if (Date.now() > until) throw new Error(`the receiver did not get what was awaited in ${ms} ms; it got: ${received.map((r) => `${r.json.type} ${String(r.json.data.id)} (${r.answered})`).join(', ') || 'nothing'}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/** Whether a request carries a valid Standard Webhooks signature under `secret` (whsec_...), checked here with node:crypto alone. */
export function signedWith(secret: string, request: Pick<Received, 'headers' | 'body'>): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`).digest('base64');
  return String(request.headers['webhook-signature'] ?? '').split(' ').includes(`v1,${expected}`);
}
