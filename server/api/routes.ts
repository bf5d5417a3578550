import Router from '@koa/router';
import type { Context } from 'koa';
import type { BookingStatus, Location } from '../../shared/types.js';
import type { Store } from '../db/store-types.js';
import type { BookingService } from '../domain/bookings.js';
import { BadRequest } from '../errors.js';
import { readJson } from '../http/body.js';
import { parseJson, parseParams } from '../http/params.js';
import type { KeptAnswers } from '../http/kept-answers.js';
import type { Tokens } from '../oauth/tokens.js';
import { authenticate, requireAnyScope, requireScope, type ApiState } from './auth.js';
import { ID } from '../http/assert.js';
import { parseBookingChange, parseListQuery, parseNewBooking } from './validate.js';
import type { WebhookEndpoints } from '../webhooks/endpoints.js';
import { webhookRoutes } from './webhook-routes.js';

const DEFAULT_STATUSES: BookingStatus[] = ['open', 'pending', 'booked'];

const actorOf = (ctx: Context) => (ctx.state as ApiState).actor;

function pathId(ctx: Context, name: string): string {
  const value = (ctx.params as Record<string, string>)[name];
  if (!ID.test(value)) throw new BadRequest(`${name === 'id' ? 'id' : name} in the path is not a valid id`);
  return value;
}

/** The query of a list: statuses, window, page size and cursor, each checked. */
function listQuery(ctx: Context) {
  const params = parseParams(ctx.querystring, 'query');
  const { status, doctor_id, from, to, limit = 500, cursor } = parseListQuery(params);
  const statuses = status !== undefined ? [...new Set(status)] : DEFAULT_STATUSES;
  const doctors = doctor_id !== undefined ? [...new Set(doctor_id)].sort() : undefined;
  const after = cursor !== undefined ? decodeCursor(cursor) : undefined;
  return { statuses, doctors, from, to, limit, after, params };
}

function encodeCursor(next: { start_at: number; id: string }): string {
  return Buffer.from(JSON.stringify([next.start_at, next.id])).toString('base64url');
}

function decodeCursor(text: string): { start_at: number; id: string } {
  try {
    const [start_at, id] = parseJson(Buffer.from(text, 'base64url').toString('utf8'), 'cursor') as [unknown, unknown];
    if (typeof start_at === 'number' && Number.isSafeInteger(start_at) && typeof id === 'string' && ID.test(id)) return { start_at, id };
  } catch {
    // fall through to the error below
  }
  throw new BadRequest('cursor is not one this API gave out; take it from a Link header');
}

const publicLocation = (l: Location): Location => ({
  id: l.id,
  name: l.name,
  website: l.website,
  street_address: l.street_address,
  secondary_address: l.secondary_address,
  city: l.city,
  state: l.state,
  zip: l.zip,
  timezone: l.timezone,
});

const todayUtc = (now: number) => new Date(now).toISOString().slice(0, 10);

export function apiRoutes(options: {
  store: Store;
  tokens: Tokens;
  bookings: BookingService;
  answers: KeptAnswers;
  publicUrl: string;
  now: () => number;
  webhooks: WebhookEndpoints;
}) {
  const { store, tokens, bookings, answers, publicUrl, now } = options;
  const router = new Router({ prefix: '/scheduling' });
  // Every answer here is a client's view of bookings (or of who booked them): no cache along the way may keep one.
  router.use((ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    return next();
  });
  router.use(authenticate(tokens, store));
  const read = requireScope('scheduling:read');

  router.get('/practices', read, async (ctx) => {
    ctx.body = await store.directory.practices(actorOf(ctx).practices);
  });

  router.get('/locations', read, async (ctx) => {
    ctx.body = (await store.directory.locations(actorOf(ctx).practices)).map(publicLocation);
  });

  const pageBodies = new WeakMap<object, string>();
  const list = (scope: 'location_id' | 'practice_id') => async (ctx: Context) => {
    const { params, ...query } = listQuery(ctx);
    // `Cache-Control: no-store` (the BFF's reads, whose window moves with the clock, so never asked twice):
    // neither the page nor its answer is kept, so they push out nothing that would be asked again.
    const keep = !/(^|,)\s*no-store\s*(,|$)/i.test(ctx.get('cache-control'));
    const page = await bookings.list(actorOf(ctx), { [scope]: pathId(ctx, 'id') } as { location_id: string }, query, { keep });
    if (page.next) {
      ctx.set('Link', `<${publicUrl}${ctx.path}?${params.with('cursor', encodeCursor(page.next)).toString()}>; rel="next"`);
    }
    // A page is kept until the database changes (see BookingService.list), and so is its JSON.
    let body = pageBodies.get(page);
    if (body === undefined) pageBodies.set(page, (body = JSON.stringify(page.bookings)));
    ctx.type = 'application/json';
    ctx.body = body;
    // The same page for the same token and URL until the data changes, a hold runs out or the token expires.
    if (keep) answers.mayKeep(ctx, Math.min((ctx.state as ApiState).tokenExpiresAt, bookings.nextHoldExpiry()));
  };
  router.get('/practices/:id/bookings', read, list('practice_id'));
  router.get('/locations/:id/bookings', read, list('location_id'));

  router.get('/bookings/:id', read, async (ctx) => {
    ctx.body = await bookings.get(actorOf(ctx), pathId(ctx, 'id'));
  });

  // The scope is checked by readSignUp, not here: a refused attempt goes into the audit trail too.
  router.get('/bookings/:id/patient', async (ctx) => {
    const actor = actorOf(ctx);
    // Every read is recorded, so none may be answered from memory (its audit line would be missing).
    answers.neverKeep(ctx);
    ctx.body = await bookings.readSignUp(
      { kind: 'api_client', id: actor.clientId, address: ctx.ip, practices: actor.practices, mayReadPatients: actor.scopes.has('scheduling:patients') },
      pathId(ctx, 'id'),
    );
  });

  router.post('/bookings', requireScope('scheduling:write'), async (ctx) => {
    const key = ctx.get('idempotency-key');
    if (key && (key.length > 255 || !/^[\x21-\x7e]+$/.test(key))) {
      throw new BadRequest('Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    const input = parseNewBooking(await readJson(ctx));
    const { booking, replayed } = await bookings.create(actorOf(ctx), input, key || undefined);
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.status = 201;
    ctx.set('Location', `${publicUrl}/scheduling/bookings/${booking.id}`);
    ctx.body = booking;
  });

  router.put('/bookings/:id', requireAnyScope('scheduling:write', 'scheduling:book'), async (ctx) => {
    const id = pathId(ctx, 'id');
    const change = parseBookingChange(await readJson(ctx), todayUtc(now()));
    const { booking, created } = await bookings.update(actorOf(ctx), id, change);
    if (created) {
      ctx.status = 201;
      ctx.set('Location', `${publicUrl}/scheduling/bookings/${booking.id}`);
    }
    ctx.body = booking;
  });

  router.delete('/bookings/:id', requireScope('scheduling:write'), async (ctx) => {
    ctx.body = await bookings.remove(actorOf(ctx), pathId(ctx, 'id'));
  });

  webhookRoutes(router, options.webhooks);

  return router;
}
