import type { Context } from 'koa';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from '../errors.js';

export const BODY_LIMIT = 100 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The request body as text, refusing more than `limit` bytes before reading them. */
async function readText(ctx: Context, limit: number): Promise<string> {
  const declared = ctx.get('content-length');
  if (declared && Number(declared) > limit) throw new PayloadTooLarge(`body is larger than ${limit / 1024} KB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLarge(`body is larger than ${limit / 1024} KB`);
    chunks.push(chunk);
  }
  try {
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new BadRequest('body is not valid UTF-8');
  }
}

function mediaType(ctx: Context): string {
  return (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
}

/** A JSON body (any JSON value; callers check its shape). `textPlain` also accepts JSON sent as text/plain. */
export async function readJson(ctx: Context, options: { textPlain?: boolean } = {}): Promise<unknown> {
  const type = mediaType(ctx);
  const accepted = type === 'application/json' || (options.textPlain && type === 'text/plain');
  if (!accepted) {
    throw new UnsupportedMediaType(`content-type must be application/json${type ? `, not ${type}` : ''}`);
  }
  const text = await readText(ctx, BODY_LIMIT);
  if (text.trim() === '') throw new BadRequest('body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequest(`body is not valid JSON: ${(error as Error).message.slice(0, 120)}`);
  }
}

/** An application/x-www-form-urlencoded body; null when the content type is another. */
export async function readForm(ctx: Context): Promise<URLSearchParams | null> {
  if (mediaType(ctx) !== 'application/x-www-form-urlencoded') return null;
  return new URLSearchParams(await readText(ctx, BODY_LIMIT));
}
