import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import { loadAsset, sendAsset, type Asset } from './static.js';

const SCRIPT = 'text/javascript; charset=utf-8';
/** A chunk's name carries the hash of its content: a new build is a new name. */
const CHUNK = /^widget-[\w-]+\.js$/;

/** Module scripts load in CORS mode, from any practice's site: every answer here may be read anywhere. */
function fromAnySite(ctx: Context) {
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
}

function sendScript(ctx: Context, asset: Asset, cacheControl: string) {
  fromAnySite(ctx);
  sendAsset(ctx, asset, cacheControl);
}

/**
 * /widget.js and the chunks Vite emits beside it in dist/ (widget-<name>-<hash>.js, which
 * widget.js imports by relative URL), each read once at start. widget.js is revalidated after
 * five minutes so a new build reaches sites soon; a chunk never changes under its name.
 */
export function widgetRoutes(dist: string): Router {
  const widget = loadAsset(path.join(dist, 'widget.js'), SCRIPT);
  const chunks = new Map<string, Asset>();
  for (const name of fs.existsSync(dist) ? fs.readdirSync(dist) : []) {
    const chunk = CHUNK.test(name) && loadAsset(path.join(dist, name), SCRIPT);
    if (chunk) chunks.set(name, chunk);
  }
  const router = new Router();
  router.get('/widget.js', (ctx) => {
    if (!widget) {
      fromAnySite(ctx);
      ctx.status = 503;
      ctx.type = 'text/javascript';
      ctx.body = 'console.error("thread-scheduling: widget.js is not built; run npm run build on the server");';
      return;
    }
    sendScript(ctx, widget, 'public, max-age=300, stale-while-revalidate=86400');
  });
  router.get('/:chunk', (ctx, next) => {
    const chunk = chunks.get(ctx.params.chunk);
    if (!chunk) return next();
    sendScript(ctx, chunk, 'public, max-age=31536000, immutable');
  });
  return router;
}
