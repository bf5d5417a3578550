import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Context } from 'koa';

export interface Asset {
  body: Buffer;
  gzipped: Buffer;
  etag: string;
  type: string;
}

/** Reads a file once, with its gzip and ETag; undefined when it is not there (not built yet). */
export function loadAsset(file: string, type: string): Asset | undefined {
  if (!fs.existsSync(file)) return undefined;
  const body = fs.readFileSync(file);
  return { body, gzipped: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, type };
}

/** Sends an asset with caching headers: ETag revalidation, gzip when accepted. */
export function sendAsset(ctx: Context, asset: Asset, cacheControl: string): void {
  ctx.set('Cache-Control', cacheControl);
  ctx.set('ETag', asset.etag);
  ctx.vary('Accept-Encoding');
  ctx.type = asset.type;
  if (ctx.get('if-none-match') === asset.etag) {
    ctx.status = 304;
    return;
  }
  if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = asset.gzipped;
  } else {
    ctx.body = asset.body;
  }
}
