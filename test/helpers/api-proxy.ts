// A proxy in front of a real test server's API, for the faults a real server does not make on demand: a
// BFF under test is pointed at it (THREAD_API_URL), and the test decides what becomes of each request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What becomes of one request: sent on to the API, answered here instead, or held unanswered for good. */
export type ProxyStep = 'forward' | 'drop' | { status: number; json: unknown };

export interface ApiProxy {
  url: string;
  /** Stops listening and ends every connection, the held ones included. */
  close(): void;
}

/**
 * Starts a proxy to `target`. `step` sees each request once its body has arrived, and may wait (a promise)
 * before saying what becomes of it. Forwarded requests keep their method, body and the headers an API
 * client sends; answers keep their status, headers and body.
 */
export async function apiProxy(
  target: string,
  step: (request: { method: string; path: string; body: string }) => ProxyStep | Promise<ProxyStep>,
): Promise<ApiProxy> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      const next = await step({ method: req.method!, path: req.url!, body });
      if (next === 'drop') return; // never forwarded, never answered
      if (next !== 'forward') {
        res.writeHead(next.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(next.json));
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) if (req.headers[name]) headers[name] = String(req.headers[name]);
      const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: body || undefined });
      const passed: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name)) passed[name] = value;
      });
      res.writeHead(answer.status, passed);
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
