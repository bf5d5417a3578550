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
  /** Set by the practice console's preview (never by a request): its session's practice, in place of the Origin's site. */
  previewSite?: Site;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
/** A DNS name: dot-separated labels of letters, digits and inner hyphens (punycode `xn--` included), not all-numeric at the end. */
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$|^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+xn--[a-z0-9-]{1,59}$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * A web site's origin as a site may be registered with: `https://host[:port]`, or `http://` for
 * this machine (localhost, 127.0.0.1, [::1]); the host a DNS name or an IP literal; nothing
 * else (no wildcard, path, query, fragment, credentials or trailing dot). Returns the origin
 * as browsers send it (lower case, default port left out), or throws an Error naming the problem.
 */
export function checkSiteOrigin(text: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(text);
  if (!match) throw new Error(`"${text.slice(0, 100)}" is not an origin; give https://host[:port]`);
  const [, scheme, authority, rest] = match;
  const lowerScheme = scheme.toLowerCase();
  if (lowerScheme !== 'https' && lowerScheme !== 'http') throw new Error('an origin must start with https://');
  if (rest !== '') throw new Error(`"${text.slice(0, 100)}" has a path, query or fragment (or a trailing slash); give only https://host[:port]`);
  if (authority.includes('@')) throw new Error('an origin has no user name or password');
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[^:]*)(?::(\d{1,5}))?$/.exec(authority);
  if (!hostPort) throw new Error(`"${authority.slice(0, 100)}" is not host[:port]`);
  const host = hostPort[1].toLowerCase();
  if (hostPort[2] !== undefined && (Number(hostPort[2]) < 1 || Number(hostPort[2]) > 65535)) throw new Error(`port ${hostPort[2]} is not 1 to 65535`);
  if (!HOST_NAME.test(host) && !IPV4.test(host) && !/^\[[0-9a-f:.]+\]$/.test(host)) {
    throw new Error(`"${host.slice(0, 100)}" is not a host name (letters, digits, hyphens and dots) or an IP address`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text.slice(0, 100)}" is not a valid origin`);
  }
  if (lowerScheme === 'http' && !LOOPBACK.includes(url.hostname)) throw new Error('an origin must use https (plain http only for localhost, 127.0.0.1 or [::1])');
  // The URL parser may rewrite a host (an IPv4 in another notation, say): what is registered is what was checked.
  if (url.hostname !== host) throw new Error(`"${host.slice(0, 100)}" is not written as browsers write it; give ${url.hostname}`);
  return url.origin;
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
 * Lets the page that sent a BFF request read the answer, errors included (so the widget can say why):
 * the exact origin and never credentials; the widget sends no cookies, and no answer depends on any.
 */
export function allowReading(ctx: Context): void {
  const header = ctx.get('origin');
  const origin = header ? exactOrigin(header) : undefined;
  if (!origin) return;
  ctx.set('Access-Control-Allow-Origin', origin);
  ctx.set('Access-Control-Expose-Headers', 'Retry-After');
  ctx.vary('Origin');
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
    const site = (ctx.state as BffState).previewSite ?? (origin ? await store.directory.site(origin) : undefined);
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
    allowReading(ctx);
    if (!site) throw siteNotRegistered(origin);
    (ctx.state as BffState).site = site;
    await next();
  };
}
