// The practice console (CONTRACT section 9): its page at /console, its API under /console/api, and
// the live preview's BFF under /console/preview/bff/v1. Every answer is about the signed-in
// session's practice only, decided here on the server: another practice's ids are 404s.
import path from 'node:path';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { SignUp } from '../../shared/types.js';
import type { BffState } from '../bff/sites.js';
import { checkSiteOrigin } from '../bff/sites.js';
import { createConsoleData, LINK_MINUTES, type LinkRefusal } from '../db/console.js';
import { createConsoleReads } from '../db/console-reads.js';
import type { Store } from '../db/store-types.js';
import type { BookingService } from '../domain/bookings.js';
import { formatInstant } from '../domain/time.js';
import { BadRequest, Conflict, Gone, NotFound, TooManyRequests, withReason } from '../errors.js';
import { ID } from '../http/assert.js';
import { readJson } from '../http/body.js';
import type { KeptAnswers } from '../http/kept-answers.js';
import { parseParams } from '../http/params.js';
import { checker, paramsObject } from '../http/schema-check.js';
import { idMessage } from '../http/schemas.js';
import { loadAsset, sendAsset } from '../http/static.js';
import * as schemas from './schemas.js';
import { consoleGuards, cookieHeader, csrfTokenOf, type ConsoleState } from './session.js';
import { createSignInThrottle } from './sign-in-throttle.js';

/**
 * No script or style but our own files (Lit's constructed style sheets are not inline styles), no
 * frames around it, nothing sent anywhere but here. The preview's widget is this server's widget.js.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CORS_HEADERS = ['Access-Control-Allow-Origin', 'Access-Control-Allow-Methods', 'Access-Control-Allow-Headers', 'Access-Control-Expose-Headers', 'Access-Control-Max-Age'];

const parseSession = checker(schemas.SessionRequest, { what: 'body', missing: { '/secret': 'secret is required: the part of the sign-in link after #' } });
const ORIGIN_FORM = 'origin must be https://host[:port], like https://www.example-practice.com';
const parseNewSite = checker(schemas.NewSite, { what: 'body', missing: { '/origin': ORIGIN_FORM }, problems: { '/origin': ORIGIN_FORM } });
const appointmentsQuery = checker(schemas.AppointmentsQuery, {
  what: 'query',
  problems: { '/limit': `limit must be a whole number from 1 to ${schemas.APPOINTMENTS_MAX}`, '/cursor': 'cursor must be the next of the page before' },
});

const stateOf = (ctx: Context) => (ctx.state as ConsoleState).console;

function pathId(ctx: Context, name: string, field: string): string {
  const value = (ctx.params as Record<string, string>)[name];
  if (!ID.test(value)) throw new BadRequest(idMessage(field));
  return value;
}

export function consoleRoutes(options: {
  store: Store;
  bookings: BookingService;
  publicUrl: string;
  now: () => number;
  answers: KeptAnswers;
  /** The BFF's routes (/bff/v1/...), served again under /console/preview for the preview. */
  bffRoutes: Middleware;
  log: (line: Record<string, unknown>) => void;
  root: string;
}): Router {
  const { store, bookings, publicUrl, now } = options;
  // Links and sessions are written only through store.write, as every write is; reads go straight to the store.
  const reads = createConsoleReads(store.sql);
  const guards = consoleGuards({ store, publicUrl, now });
  const signIns = createSignInThrottle(store, now);
  const ownOrigin = new URL(publicUrl).origin;

  const page = loadAsset(path.join(options.root, 'console/index.html'), 'text/html; charset=utf-8');
  const css = loadAsset(path.join(options.root, 'console/console.css'), 'text/css; charset=utf-8');
  const script = loadAsset(path.join(options.root, 'dist/console/console.js'), 'text/javascript; charset=utf-8');

  const router = new Router();
  // Every answer under /console: the strict CSP, never framed, never stored by a browser or a proxy.
  router.use(async (ctx, next) => {
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get(['/console', '/console/'], (ctx) => {
    if (!page || !script) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'The console is not built on this server: run npm run build.';
      return;
    }
    sendAsset(ctx, page, 'no-store');
  });
  router.get('/console/console.js', (ctx) => {
    if (script) sendAsset(ctx, script, 'no-cache');
  });
  router.get('/console/console.css', (ctx) => {
    if (css) sendAsset(ctx, css, 'no-cache');
  });

  // Trading a sign-in link for a session. The secret comes in the body (never a URL); the link is used once.
  router.post('/console/api/session', async (ctx) => {
    guards.sameOrigin(ctx);
    const { secret } = parseSession(await readJson(ctx));
    const at = now();
    // The link used and the session started in one transaction: a used link always has its session. The
    // address's failed trades are checked and counted in it too: a guesser is stopped across processes.
    type Traded = LinkRefusal | { wait: number } | { link_id: string; practice_id: string; token: string };
    const used = await store.write(async (tx): Promise<Traded> => {
      const wait = await signIns.waitOf(tx, ctx.ip, at);
      if (wait > 0) return { wait };
      const data = createConsoleData(tx.sql);
      const link = await data.useLink(secret, at);
      // Only a secret never issued is a guess: a used or expired link was a real one (two tabs racing, say).
      if (link === 'link_unknown') await signIns.failed(tx, ctx.ip, at);
      if (typeof link === 'string') return link;
      // The browser's session before this one ends with it: its cookie is replaced, and a copy of it must not live on.
      const before = guards.cookieToken(ctx);
      if (before && before.length <= 128) await data.endSession(before);
      return { ...link, token: await data.startSession(link, at) };
    });
    if (typeof used === 'object' && 'wait' in used) {
      throw withReason(new TooManyRequests(`Too many sign-in links tried from this address. Please wait ${used.wait} seconds and try again.`, used.wait), 'rate_limited');
    }
    if (used === 'link_used') throw new Conflict('This sign-in link was already used. Each link signs in once: ask for a new one.');
    if (used === 'link_expired') throw new Gone(`This sign-in link has expired (links last ${LINK_MINUTES} minutes). Ask for a new one.`);
    if (used === 'link_unknown') throw new NotFound('This sign-in link is not valid. Check that it was copied whole, or ask for a new one.');
    const { token } = used;
    const practice = await store.directory.practice(used.practice_id);
    ctx.set('Set-Cookie', cookieHeader(publicUrl, token));
    ctx.status = 201;
    ctx.body = { practice: { id: used.practice_id, name: practice?.name ?? used.practice_id } };
  });

  // The session is checked by each route itself, not by api.use(): the router matches a route's path in
  // any case (/console/API/me) but a prefix's middleware only as written, so a guard there could be passed by.
  const api = new Router({ prefix: '/console/api' });
  const { signedIn } = guards;

  api.get('/me', signedIn, async (ctx) => {
    const session = stateOf(ctx);
    const practice = await store.directory.practice(session.practice_id);
    ctx.body = { practice: { id: session.practice_id, name: practice?.name ?? session.practice_id }, csrf_token: csrfTokenOf(session.token), origin: ownOrigin };
  });

  api.delete('/session', signedIn, async (ctx) => {
    const { token } = stateOf(ctx);
    await store.write((tx) => createConsoleData(tx.sql).endSession(token));
    ctx.set('Set-Cookie', cookieHeader(publicUrl, '', true));
    ctx.status = 204;
  });

  api.get('/locations', signedIn, async (ctx) => {
    ctx.body = { locations: await reads.locations(stateOf(ctx).practice_id) };
  });

  api.get('/sites', signedIn, async (ctx) => {
    const sites = await reads.sites(stateOf(ctx).practice_id);
    ctx.body = { sites: sites.map((site) => ({ origin: site.origin, created_at: new Date(Number(site.created_at)).toISOString() })) };
  });

  // Validated exactly as `thread sites create` validates --origin.
  api.post('/sites', signedIn, async (ctx) => {
    const practiceId = stateOf(ctx).practice_id;
    const { origin: text } = parseNewSite(await readJson(ctx));
    let origin: string;
    try {
      origin = checkSiteOrigin(text.trim());
    } catch (error) {
      throw new BadRequest(`origin: ${(error as Error).message}`);
    }
    const existing = await store.directory.site(origin);
    if (existing) {
      // Another practice's site is not named: only that it is taken.
      throw new Conflict(existing.practice_id === practiceId ? `${origin} is already registered` : `${origin} is registered to another practice`);
    }
    try {
      await store.write((tx) => tx.directory.createSite({ origin, practice_id: practiceId }, now()));
    } catch (error) {
      // Registered by someone else between the look and the write: the unique origin decided.
      if (/UNIQUE|duplicate key/i.test((error as Error).message)) throw new Conflict(`${origin} is already registered`);
      throw error;
    }
    ctx.status = 201;
    ctx.body = { origin, created_at: new Date(now()).toISOString() };
  });

  api.delete('/sites/:origin', signedIn, async (ctx) => {
    const origin = (ctx.params as { origin: string }).origin;
    const site = { origin, practice_id: stateOf(ctx).practice_id };
    const removed = origin.length <= 300 ? await store.write((tx) => tx.directory.removeSite(site)) : 0;
    if (!removed) throw new NotFound(`no site ${origin.slice(0, 100)} is registered for this practice`);
    ctx.status = 204;
  });

  api.get('/locations/:id/appointments', signedIn, async (ctx) => {
    const location = await reads.location(stateOf(ctx).practice_id, pathId(ctx, 'id', 'location id'));
    if (!location) throw new NotFound(`location "${(ctx.params as { id: string }).id}" not found`);
    const query = appointmentsQuery(paramsObject(parseParams(ctx.querystring, 'query'), schemas.AppointmentsQuery));
    const limit = query.limit ?? 25;
    const after = query.cursor
      ? { start: Number(query.cursor.slice(0, query.cursor.indexOf('.'))), id: query.cursor.slice(query.cursor.indexOf('.') + 1) }
      : { start: now(), id: '' }; // from now: every id sorts after ''
    const rows = await reads.appointments(location.id, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    ctx.body = {
      location_id: location.id,
      timezone: location.timezone,
      appointments: page.map((row) => ({ id: row.id, doctor_id: row.doctor_id, start_datetime: formatInstant(Number(row.start_at), Number(row.start_offset)), length: Number(row.length) })),
      next: rows.length > limit ? `${last.start_at}.${last.id}` : null,
    };
  });

  // The sign-up, through the same audited read as the API's: one line in the audit trail per view.
  api.get('/bookings/:id/sign-up', signedIn, async (ctx) => {
    const session = stateOf(ctx);
    const signUp: SignUp = await bookings.readSignUp(
      { kind: 'console', id: session.link_id, address: ctx.ip, practices: new Set([session.practice_id]), mayReadPatients: true },
      pathId(ctx, 'id', 'booking id'),
    );
    ctx.body = signUp;
  });

  router.use(api.routes(), api.allowedMethods());

  // The live preview: the real BFF, for this session's practice only, as if on a site of its own. Never
  // kept in memory (a kept answer would be given without this check), and every change CSRF-checked.
  // The page is same-origin, so it needs no CORS: what the BFF grants any Origin is taken back, errors
  // included, so no other origin may ever read an answer made with the session.
  const previewGate: Middleware = async (ctx, next) => {
    try {
      await guards.signedIn(ctx, async () => {
        options.answers.neverKeep(ctx);
        const { practice_id, link_id } = stateOf(ctx);
        (ctx.state as BffState).previewSite = { origin: ownOrigin, practice_id };
        // A hold or booking made in the preview is real: the log says whose console made it (the link, as in the audit trail).
        const logChange = (status: number) =>
          ctx.method === 'POST' && options.log({ level: 'info', req_id: ctx.state.requestId, msg: 'console preview change', practice_id, link_id, path: ctx.path, status });
        try {
          await next();
        } catch (error) {
          logChange((error as { status?: number }).status ?? 500);
          throw error;
        }
        logChange(ctx.status);
      });
    } finally {
      for (const name of CORS_HEADERS) ctx.remove(name);
    }
  };
  router.use('/console/preview', previewGate, options.bffRoutes);
  return router;
}
