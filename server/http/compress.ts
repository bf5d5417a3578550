import type { IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Context } from 'koa';

/** Smaller answers gain nothing worth a compression. */
const MIN_BYTES = 1024;

/** Whether the request takes gzip: Accept-Encoding names gzip (or *) with a weight above 0. */
export function takesGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  let any = false;
  for (const item of header.split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const takes = q === undefined || Number(q.slice(2)) > 0;
    if (name === 'gzip') return takes;
    if (name === '*') any = takes;
  }
  return any;
}

/**
 * Sends JSON, gzipped when the client takes it and it is large enough: a first screen's open
 * times are mostly repeated keys and dates, 10 KB that gzip makes 2 (npm run bench:widget).
 * Kept answers (kept-answers.ts) keep the bytes as sent, keyed by takesGzip too.
 */
export function sendJson(ctx: Context, json: string): void {
  ctx.vary('Accept-Encoding');
  ctx.type = 'application/json';
  if (json.length >= MIN_BYTES && takesGzip(ctx.req)) {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = gzipSync(json);
  } else {
    ctx.body = json;
  }
}
