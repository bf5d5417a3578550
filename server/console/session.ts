// The console's session cookie, its CSRF token and the Origin check (CONTRACT section 9).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { createConsoleData, SESSION_IDLE_HOURS, type ConsoleSession } from '../db/console.js';
import { MINUTE } from '../domain/time.js';
import type { Store } from '../db/store-types.js';
import { Forbidden, Unauthorized } from '../errors.js';

export const COOKIE = 'thread_console';
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

export interface ConsoleState {
  console: ConsoleSession & { token: string };
}

/** The CSRF token of a session: derived from its cookie's token, so nothing more is stored and no other session's works. */
export const csrfTokenOf = (token: string) => createHmac('sha256', token).update('thread console csrf').digest('base64url');

/**
 * The cookie's attributes: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
 * it), Path=/console (no other route of this server sees it), Secure unless the console is served on
 * this machine over plain http. No Max-Age: the database decides when a session ends.
 */
export function cookieHeader(publicUrl: string, value: string, clear = false): string {
  const url = new URL(publicUrl);
  const secure = !(url.protocol === 'http:' && LOOPBACK.includes(url.hostname));
  return `${COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}${clear ? '; Max-Age=0' : ''}`;
}

/** Origins the console's own page may send: PUBLIC_URL's, and on this machine its loopback twins. */
export function consoleOrigins(publicUrl: string): Set<string> {
  const url = new URL(publicUrl);
  const origins = new Set([url.origin]);
  if (LOOPBACK.includes(url.hostname)) {
    for (const host of LOOPBACK) origins.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
  }
  return origins;
}

function cookieToken(ctx: Context): string | undefined {
  const header = ctx.get('cookie');
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=') || undefined;
  }
  return undefined;
}

/** Methods that change nothing: no CSRF token asked. */
const safe = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

export function consoleGuards(options: { store: Store; publicUrl: string; now: () => number }) {
  const origins = consoleOrigins(options.publicUrl);

  /** A change must come from the console's own page: its Origin one of ours (browsers always send it on POST and DELETE). */
  function sameOrigin(ctx: Context): void {
    if (safe(ctx.method)) return;
    const origin = ctx.get('origin');
    if (!origins.has(origin)) throw new Forbidden(`changes to the console are taken only from its own page (Origin ${origin ? origin.slice(0, 100) : 'missing'})`);
  }

  const SESSION_IDLE_MS = SESSION_IDLE_HOURS * 60 * MINUTE;

  return {
    sameOrigin,

    /** A signed-in session, its idle limit moved on; for a change also its CSRF token and our Origin. */
    async signedIn(ctx: Context, next: Next): Promise<void> {
      ctx.set('Cache-Control', 'no-store');
      sameOrigin(ctx);
      const token = cookieToken(ctx);
      const at = options.now();
      const found = token && token.length <= 128 ? await createConsoleData(options.store.sql).session(token, at) : undefined;
      if (!token || !found) throw new Unauthorized('You are not signed in to the console, or your session ended. Ask for a new sign-in link.');
      // The idle limit moves on at most once a minute: a write on every request would make every process drop
      // its read caches (any write does) for as long as someone keeps a console open.
      if (at + SESSION_IDLE_MS - found.expires_at >= MINUTE) await options.store.write((tx) => createConsoleData(tx.sql).touchSession(token, at));
      const session = { practice_id: found.practice_id, link_id: found.link_id };
      if (!safe(ctx.method)) {
        const sent = Buffer.from(ctx.get('x-csrf-token'));
        const expected = Buffer.from(csrfTokenOf(token));
        if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) throw new Forbidden('the X-CSRF-Token header is missing or wrong: reload the console');
      }
      (ctx.state as ConsoleState).console = { ...session, token };
      await next();
    },

    cookieToken,
  };
}
