// Which web site is asking, and the CORS answer it gets. The BFF serves only sites a
// practice registered with `thread sites create`, and only for that practice's locations.
import type { Context, Next } from 'koa';
import type { Store } from '../db/store.js';
import { Forbidden, withReason } from '../errors.js';
import { PREFLIGHT_MAX_AGE_S } from './limits.js';

export interface Site {
  origin: string;
  practice_id: string;
}

export interface BffState {
  site: Site;
}

/** `scheme://host[:port]` exactly as a browser sends it; undefined for "null" or anything else. */
function exactOrigin(header: string): string | undefined {
  try {
    const url = new URL(header);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === header ? header : undefined;
  } catch {
    return undefined;
  }
}

function siteNotRegistered(origin: string | undefined): Forbidden {
  const named = origin ?? 'this page (its origin is hidden, e.g. a sandboxed frame or a file)';
  return withReason(
    new Forbidden(
      `Online scheduling is not enabled for ${named}. The practice can enable it with: ` +
        `thread sites create --origin ${origin ?? 'https://your-site.example'} --practice PRACTICE_ID`,
    ),
    'site_not_registered',
  );
}

/**
 * CORS headers on every answer (errors included, so the widget can read why), the preflight,
 * and the registered site in ctx.state.site. A request with no Origin header is the server's
 * own page asking (a same-origin GET), so it counts as coming from `publicUrl`. A preflight is
 * approved only for a registered site: another origin's browser then never sends the request.
 */
export function siteGate(store: Store, publicUrl: string) {
  const ownOrigin = new URL(publicUrl).origin;
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('origin');
    const origin = header ? exactOrigin(header) : ownOrigin;
    ctx.vary('Origin');
    ctx.set('Cache-Control', 'no-store');
    const site = origin ? store.directory.site(origin) : undefined;
    if (ctx.method === 'OPTIONS') {
      // No CORS header at all: the browser refuses the preflight, and the widget has learnt why from
      // the schedule (a simple GET, whose 403 it may read).
      if (!site) throw siteNotRegistered(origin);
      ctx.set('Access-Control-Allow-Origin', site.origin);
      ctx.set('Access-Control-Allow-Methods', 'GET, POST');
      ctx.set('Access-Control-Allow-Headers', 'content-type');
      ctx.set('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
      ctx.status = 204;
      return;
    }
    if (header && origin) {
      // The exact origin and never credentials: the widget sends no cookies, and no answer
      // here depends on any.
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Expose-Headers', 'Retry-After');
    }
    if (!site) throw siteNotRegistered(origin);
    (ctx.state as BffState).site = site;
    await next();
  };
}
