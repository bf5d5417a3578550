// The widget's BFF under /bff/v1: the schedule, holds, release and confirm. It reaches the
// booking API only over HTTP with its own client credentials, so it can front any
// Thread-compatible API; the browser never sees a secret or a token.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ConfirmResponse, ExtendResponse, HoldChallenge, HoldResponse, Location, ManageCancelResponse, ManageView, ScheduleLocation, ScheduleResponse, Slot } from '../../shared/types.js';
import type { Config, UpstreamConfig } from '../config.js';
import type { Store } from '../db/store.js';
import { TooManyRequests, withReason } from '../errors.js';
import { readJson } from '../http/body.js';
import { sendJson } from '../http/compress.js';
import type { KeptAnswers } from '../http/kept-answers.js';
import { createRateCounter, type RateCounter } from '../http/rate-counter.js';
import { createLocationDirectory } from './directory.js';
import { createHoldService, siteLocation, type ReleaseResponse } from './holds.js';
import { manageGate, type ManageState } from './manage-gate.js';
import { createManageService } from './manage.js';
import { CONFIRMS_PER_MINUTE, DEFAULT_DAYS, HOLDS_PER_MINUTE, MANAGE_PER_MINUTE, MAX_DAYS, RATE_WINDOW_MS, RECENT_READS_BYTES, SCHEDULE_CACHE_MS, SLOT_BYTES } from './limits.js';
import { siteGate, type BffState } from './sites.js';
import { bookingsForSlots } from './schedule-read.js';
import { slotsOf } from './slots.js';
import { createUpstream } from './upstream.js';
import {
  parseChallengeQuery,
  parseConfirmRequest,
  parseHoldRequest,
  parseManageCancel,
  parseManageMove,
  parseManageRequest,
  parseReleaseRequest,
  parseScheduleQuery,
} from './validate.js';

const DAY = 86_400_000;
/** The longest booking (1440 minutes): a one-off starting this long before the window can still cover a week in it. */
const LONGEST_BOOKING_MS = DAY;

const siteOf = (ctx: Context) => (ctx.state as BffState).site;

export interface Bff {
  router: Router;
  /** Stops the hold sweeper and the settling of moves cut short. */
  close(): void;
}

export async function createBff(options: { store: Store; upstream: UpstreamConfig; config: Config; answers: KeptAnswers }): Promise<Bff> {
  const { store, config, answers } = options;
  // With no THREAD_* settings the BFF fronts this server, at PUBLIC_URL.
  const variables = config.upstream ? { issuer: 'THREAD_ISSUER', apiUrl: 'THREAD_API_URL' } : { issuer: 'PUBLIC_URL', apiUrl: 'PUBLIC_URL' };
  const upstream = createUpstream(options.upstream, { now: config.now, log: config.log, variables });
  const directory = createLocationDirectory(upstream, config.now);
  // A hold may take only a time the schedule offers, read as the longest schedule reads it.
  const openTimes = (location: Location) => {
    const from = config.now();
    return slotsBetween(location, from, from + MAX_DAYS * DAY).slots;
  };
  const holds = await createHoldService({ store, upstream, directory, config, openTimes });
  // Counted in the database, so every process sharing it counts an address's attempts together. Each
  // attempt is checked and counted in one small write of its own, grouped into the commit of the turn
  // (store.write): holds and confirms write anyway, and the read benchmark (`npm run bench`: the list and
  // the first screen) never comes here.
  const holdAttempts = createRateCounter(store, { name: 'bff-holds', limit: HOLDS_PER_MINUTE, windowMs: RATE_WINDOW_MS, now: config.now });
  const confirmAttempts = createRateCounter(store, { name: 'bff-confirms', limit: CONFIRMS_PER_MINUTE, windowMs: RATE_WINDOW_MS, now: config.now });
  const manageAttempts = createRateCounter(store, { name: 'bff-manage', limit: MANAGE_PER_MINUTE, windowMs: RATE_WINDOW_MS, now: config.now });

  /** Counts this attempt of the address; 429 with Retry-After once it is over the limit. */
  async function throttle(counter: RateCounter, ctx: Context): Promise<void> {
    const wait = await counter.take(ctx.ip);
    if (wait > 0) throw withReason(new TooManyRequests(`Too many attempts. Please wait ${wait} seconds and try again.`, wait), 'rate_limited');
  }

  /**
   * Recent reads of a location's open times, by location and window length (see SCHEDULE_CACHE_MS):
   * the slots are worked out once per read, for a window a little longer than asked, and each
   * request takes the part of them in its own window.
   */
  interface RecentRead {
    at: number;
    /** The data's generation when it was read (see read-cache.ts): fronting this server, a change by any process ends its use. */
    generation: number;
    slots: Promise<Array<{ start: number; slot: Slot }>>;
    /** What it holds, estimated once its slots are in (and its JSON, kept beside it). */
    bytes: number;
  }
  const recentReads = new Map<string, RecentRead>();
  let recentBytes = 0;
  function forgetRead(key: string): void {
    const read = recentReads.get(key);
    if (!read) return;
    recentReads.delete(key);
    recentBytes -= read.bytes;
  }
  /** Oldest first: reads past SCHEDULE_CACHE_MS are of no more use, and past RECENT_READS_BYTES the oldest go. */
  function trimReads(): void {
    for (const [key, read] of recentReads) {
      if (config.now() - read.at < SCHEDULE_CACHE_MS && recentBytes <= RECENT_READS_BYTES) break;
      forgetRead(key);
    }
  }
  /** After a hold, release or confirm here: the schedule is read again, and no answer built on the last read is given again. */
  function forgetReads(): void {
    recentReads.clear();
    recentBytes = 0;
    answers.clear();
  }

  function slotsBetween(location: Location, from: number, to: number): RecentRead {
    const key = `${location.id} ${to - from}`;
    const recent = recentReads.get(key);
    // Fronting this server, a write answered by any process sharing its database shows in the next schedule
    // (CONTRACT section 6); fronting another API, whose changes it cannot see, the read is of use for SCHEDULE_CACHE_MS.
    const current = config.upstream ? 0 : store.generation();
    if (recent && config.now() - recent.at < SCHEDULE_CACHE_MS && recent.generation === current) return recent;
    const until = to + SCHEDULE_CACHE_MS;
    const slots = bookingsForSlots(upstream, location.id, from - LONGEST_BOOKING_MS, until).then((bookings) => slotsOf(bookings, location.timezone, from, until).map((slot) => ({ start: Date.parse(slot.start_datetime), slot })));
    const read: RecentRead = { at: config.now(), generation: current, slots, bytes: 0 };
    // Kept by bytes, not by count: one read of a busy location for 60 days holds thousands of slots (issue 11).
    forgetRead(key);
    recentReads.set(key, read);
    trimReads();
    slots.then(
      (kept) => {
        if (recentReads.get(key) !== read) return;
        read.bytes = kept.length * SLOT_BYTES;
        recentBytes += read.bytes;
        trimReads();
      },
      () => recentReads.get(key) === read && forgetRead(key),
    );
    return read;
  }

  /**
   * A location's part of the schedule, as JSON, and until when it holds. Its slots stay the same
   * while time moves on until the first of them starts or the next one after the window comes
   * into it, so until then every request of that read is answered with the same text; and the
   * read itself is trusted for SCHEDULE_CACHE_MS.
   */
  const written = new WeakMap<object, { location: Location; from: number; until: number; json: string }>();
  async function locationScheduleJson(location: Location, from: number, to: number): Promise<{ json: string; until: number }> {
    const recent = slotsBetween(location, from, to);
    const read = await recent.slots;
    const readUntil = recent.at + SCHEDULE_CACHE_MS;
    const kept = written.get(read);
    if (kept && kept.location === location && from >= kept.from && from < kept.until) return { json: kept.json, until: Math.min(kept.until, readUntil) };
    const inWindow = read.filter(({ start }) => start >= from && start < to);
    let first = Infinity;
    let next = Infinity;
    for (const { start } of read) {
      if (start >= from && start < to) first = Math.min(first, start);
      else if (start >= to) next = Math.min(next, start);
    }
    const part: ScheduleLocation = { ...location, slots: inWindow.map(({ slot }) => slot) };
    const json = JSON.stringify(part);
    const until = Math.min(first, next - (to - from)) + 1;
    written.set(read, { location, from, until, json });
    return { json, until: Math.min(until, readUntil) };
  }

  /** The open times a booked appointment may move to: the location's, for the next `days` days, as the schedule offers them. */
  async function openSlots(location: Location, days: number): Promise<Slot[]> {
    const from = config.now();
    const to = from + days * DAY;
    const read = await slotsBetween(location, from, to).slots;
    return read.filter(({ start }) => start >= from && start < to).map(({ slot }) => slot);
  }
  const manage = await createManageService({ store, upstream, directory, holds, config, openSlots });

  const router = new Router({ prefix: '/bff/v1' });
  const gate = siteGate(store, config.publicUrl);
  router.options(['/schedule', '/holds/challenge', '/holds', '/holds/extend', '/holds/release', '/holds/confirm'], gate);

  router.get('/schedule', gate, async (ctx) => {
    const { locationIds, days } = parseScheduleQuery(ctx.querystring);
    const site = siteOf(ctx);
    // Every location is checked before any bookings are read, so a bad id fails fast and alone.
    const locations: Location[] = [];
    for (const id of locationIds) locations.push(await siteLocation(directory, site, id));
    await holds.sweepIfDue();
    const from = config.now();
    const to = from + days * DAY;
    // A ScheduleResponse, put together from the locations' JSON.
    const parts = await Promise.all(locations.map((location) => locationScheduleJson(location, from, to)));
    const window: Omit<ScheduleResponse, 'locations'> = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    sendJson(ctx, `${JSON.stringify(window).slice(0, -1)},"locations":[${parts.map((part) => part.json).join(',')}]}`);
    // The same answer for the same site and query while every location's part holds; its from and to
    // then say when it was worked out.
    answers.mayKeep(ctx, Math.min(...parts.map((part) => part.until)));
  });

  router.get('/holds/challenge', gate, async (ctx) => {
    const { location_id } = parseChallengeQuery(ctx.querystring);
    const body: HoldChallenge = await holds.challenge(siteOf(ctx), ctx.ip, location_id);
    ctx.body = body;
  });

  router.post('/holds', gate, async (ctx) => {
    await throttle(holdAttempts, ctx);
    const request = parseHoldRequest(await readJson(ctx));
    await holds.sweepIfDue();
    const body: HoldResponse = await holds.hold(siteOf(ctx), ctx.ip, request).finally(forgetReads);
    ctx.status = 201;
    ctx.body = body;
  });

  // text/plain too: on page exit the widget sends this with fetch keepalive as a CORS simple request.
  router.post('/holds/release', gate, async (ctx) => {
    const { hold_token } = parseReleaseRequest(await readJson(ctx, { textPlain: true }));
    const body: ReleaseResponse = await holds.release(siteOf(ctx), hold_token).finally(forgetReads);
    ctx.body = body;
  });

  router.post('/holds/extend', gate, async (ctx) => {
    const { hold_token } = parseReleaseRequest(await readJson(ctx));
    const body: ExtendResponse = await holds.extend(siteOf(ctx), hold_token);
    ctx.body = body;
  });

  router.post('/holds/confirm', gate, async (ctx) => {
    await throttle(confirmAttempts, ctx);
    const { hold_token, patient } = parseConfirmRequest(await readJson(ctx));
    const booked = await holds.confirm(siteOf(ctx), hold_token, patient).finally(forgetReads);
    const manageUrl = await manage.issue(hold_token, booked, patient);
    const body: ConfirmResponse = manageUrl ? { ...booked, manage_url: manageUrl } : booked;
    ctx.body = body;
  });

  // A booked appointment, by its manage link's secret (in the body, never the URL). From a registered
  // site (its practice's appointments) or this server's own manage page.
  const managing = manageGate(store, config.publicUrl);
  const callerOf = (ctx: Context) => (ctx.state as ManageState).site;
  router.options(['/manage', '/manage/cancel', '/manage/move'], managing);

  router.post('/manage', managing, async (ctx) => {
    await throttle(manageAttempts, ctx);
    const { manage_token, days } = parseManageRequest(await readJson(ctx));
    await holds.sweepIfDue();
    const body: ManageView = await manage.view(callerOf(ctx), manage_token, days);
    ctx.body = body;
  });

  router.post('/manage/cancel', managing, async (ctx) => {
    await throttle(manageAttempts, ctx);
    const { manage_token } = parseManageCancel(await readJson(ctx));
    const body: ManageCancelResponse = await manage.cancel(callerOf(ctx), manage_token).finally(forgetReads);
    ctx.body = body;
  });

  router.post('/manage/move', managing, async (ctx) => {
    await throttle(manageAttempts, ctx);
    const { manage_token, ...target } = parseManageMove(await readJson(ctx));
    await holds.sweepIfDue();
    const body: ManageView = await manage.move(callerOf(ctx), manage_token, ctx.ip, target, DEFAULT_DAYS).finally(forgetReads);
    ctx.body = body;
  });

  return {
    router,
    close: () => {
      holds.close();
      manage.close();
    },
  };
}
