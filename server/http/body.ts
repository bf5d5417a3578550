import type { Context } from 'koa';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from '../errors.js';
import { parseJson, parseParams, type Params } from './params.js';

export const BODY_LIMIT = 100 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The request body as text, refusing more than `limit` bytes before reading them. */
function readText(ctx: Context, limit: number): Promise<string> {
  const declared = ctx.get('content-length');
  if (declared && Number(declared) > limit) return Promise.reject(new PayloadTooLarge(`body is larger than ${limit / 1024} KB`));
  // Listeners rather than an async iterator: for the one chunk a small body comes in, the iterator's own promises cost more than the rest.
  const req = ctx.req;
  if (req.readableEnded) return Promise.resolve('');
  // Gone already, while the request awaited something else first (its client's row, on a database across the
  // network): 'close' has been and will not come again, so waiting for it would hold the request forever.
  if (req.destroyed) return Promise.reject(new BadRequest('the request body ended early'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onClose);
      req.off('close', onClose);
      if (error) reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done(new PayloadTooLarge(`body is larger than ${limit / 1024} KB`));
        req.resume(); // the rest is read and dropped, so the answer can still be given on this connection
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      try {
        resolve(utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      } catch {
        reject(new BadRequest('body is not valid UTF-8'));
      }
    };
    // A client that goes away before the end of its body: nothing more will come, and the fault is not ours.
    const onClose = () => done(new BadRequest('the request body ended early'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onClose);
    req.on('close', onClose);
  });
}

function mediaType(ctx: Context): string {
  return (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
}

/** A JSON body within the bounds of params.ts (any JSON value; callers check its shape). `textPlain` also accepts JSON sent as text/plain. */
export async function readJson(ctx: Context, options: { textPlain?: boolean } = {}): Promise<unknown> {
  const type = mediaType(ctx);
  const accepted = type === 'application/json' || (options.textPlain && type === 'text/plain');
  if (!accepted) {
    throw new UnsupportedMediaType(`content-type must be application/json${type ? `, not ${type}` : ''}`);
  }
  const text = await readText(ctx, BODY_LIMIT);
  if (text.trim() === '') throw new BadRequest('body is empty; send a JSON object');
  return parseJson(text, 'body');
}

/** An application/x-www-form-urlencoded body within the bounds of params.ts; null when the content type is another. */
export async function readForm(ctx: Context): Promise<Params | null> {
  if (mediaType(ctx) !== 'application/x-www-form-urlencoded') return null;
  return parseParams(await readText(ctx, BODY_LIMIT), 'form body');
}
