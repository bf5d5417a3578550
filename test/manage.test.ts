// A patient's manage link over real HTTP, against a real server fronting itself: see the appointment,
// cancel it (the time is offered again), move it (all or nothing, the sign-up goes with it), the
// cut-off, unusable links, one effect under concurrency, and the rate limit.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Booking, ConfirmResponse, ErrorBody, ManageCancelResponse, ManageView } from '../shared/types.js';
import { PATIENT, SITE, bff, confirm, hold, inMinutes, openBooking, patientAddress, practiceServer, schedule, type ApiCall } from './bff-helpers.js';
import { apiProxy, type ApiProxy, type ProxyStep } from './helpers/api-proxy.js';
import { addClient, startServer, type TestServer } from './helpers/server.js';

const HOUR = 3_600_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** An answer's error fields, beside the success body's own status. */
type Failure = Omit<ErrorBody, 'status'>;

/** The secret of a manage URL: everything after its #. */
const secretOf = (url: string) => url.slice(url.indexOf('#') + 1);

async function bookingOf(owner: ApiCall, id: string): Promise<Booking> {
  const answer = await owner('GET', `/scheduling/bookings/${id}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as Booking;
}

/** Holds and books a slot through the BFF as a patient would; the confirm's answer, with its manage link. */
async function book(server: TestServer, slot: { booking_id: string; start_datetime: string } | Booking, from = patientAddress(1)): Promise<ConfirmResponse & { manage_url: string }> {
  const held = await hold(server, slot, { from });
  assert.equal(held.status, 201, held.text);
  const booked = await confirm(server, held.body.hold_token, PATIENT, { from });
  assert.equal(booked.status, 200, booked.text);
  return booked.body as ConfirmResponse & { manage_url: string };
}

/** Each manage request from an address of its own unless one is given: the rate limit is tested on its own. */
let caller = 1000;
const from = (request: { origin?: string | null; from?: string }) => ({ from: patientAddress(caller++), ...request });

const view = (server: TestServer, token: string, request: { origin?: string | null; from?: string } = {}) =>
  bff<ManageView & Failure>(server, '/manage', { ...from(request), body: { manage_token: token } });
const cancel = (server: TestServer, token: string, request: { origin?: string | null; from?: string } = {}) =>
  bff<ManageCancelResponse & Failure>(server, '/manage/cancel', { ...from(request), body: { manage_token: token } });
const move = (server: TestServer, token: string, to: { booking_id: string; start_datetime: string }, request: { origin?: string | null; from?: string } = {}) =>
  bff<ManageView & Failure>(server, '/manage/move', { ...from(request), body: { manage_token: token, booking_id: to.booking_id, start_datetime: to.start_datetime } });

describe('a manage link', () => {
  let server: TestServer;
  let owner: ApiCall;
  before(async () => {
    ({ server, owner } = await practiceServer());
  });
  after(() => server.close());

  test('booking answers a private link whose secret is only in the fragment, kept only as its hash', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 3 * 24 * 60), doctor_id: 'D-link' });
    const booked = await book(server, booking);
    assert.match(booked.manage_url, new RegExp(`^${server.url}/manage#[A-Za-z0-9_-]{43}$`));
    const secret = secretOf(booked.manage_url);
    const row = await server.thread.store.sql.get<{ token_hash: string; booking_id: string; expires_at: number }>('SELECT * FROM manage_links WHERE booking_id = :id', { id: booking.id });
    assert.equal(row?.token_hash, sha256(secret));
    assert.ok(!JSON.stringify(row).includes(secret), 'the secret itself is not stored');
    assert.equal(row?.expires_at, Date.parse(booking.start_datetime) + 24 * HOUR, 'it lapses a day after the start');
  });

  test('the view: where and when, that it can change, and the open times of its location; no patient data', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 3 * 24 * 60 + 60), doctor_id: 'D-view' });
    const other = await openBooking(owner, { start: inMinutes(server, 4 * 24 * 60), doctor_id: 'D-view' });
    const { manage_url } = await book(server, booking, patientAddress(2));
    for (const origin of [SITE, null]) {
      const answer = await view(server, secretOf(manage_url), { origin });
      assert.equal(answer.status, 200, answer.text);
      const { slots, location, ...rest } = answer.body;
      assert.deepEqual(rest, {
        booking_id: booking.id,
        location_id: 'loc1',
        start_datetime: booking.start_datetime,
        length: 30,
        status: 'booked',
        changeable_until: new Date(Date.parse(booking.start_datetime) - 24 * HOUR).toISOString(),
        can_change: true,
      });
      assert.equal(location.name, 'Springfield');
      assert.equal(location.timezone, 'America/Chicago');
      assert.ok(slots.some((slot) => slot.booking_id === other.id), 'the open times it may move to');
      assert.ok(!slots.some((slot) => slot.booking_id === booking.id));
      for (const value of Object.values(PATIENT)) assert.ok(!answer.text.includes(value), 'no patient data');
    }
  });

  test('cancel: the time is offered again by the BFF, the sign-up is deleted, the link is spent (404 after)', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 5 * 24 * 60), doctor_id: 'D-cancel' });
    const { manage_url } = await book(server, booking, patientAddress(3));
    assert.ok(!(await schedule(server)).body.locations[0].slots.some((s) => s.booking_id === booking.id));
    const answer = await cancel(server, secretOf(manage_url));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { status: 'cancelled', booking_id: booking.id, location_id: 'loc1', start_datetime: booking.start_datetime });
    assert.equal((await bookingOf(owner, booking.id)).status, 'open');
    assert.ok((await schedule(server)).body.locations[0].slots.some((s) => s.booking_id === booking.id), 'listed by the BFF again');
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}/patient`)).status, 404, 'the sign-up is gone');
    for (const again of [await view(server, secretOf(manage_url)), await cancel(server, secretOf(manage_url))]) {
      assert.equal(again.status, 404);
      assert.equal(again.body.reason, 'manage_not_found');
    }
  });

  test('cancel a booked week of a weekly booking: the week goes back to its series', async () => {
    const series = await openBooking(owner, { start: inMinutes(server, 2 * 24 * 60), recurring: true, length: 60, doctor_id: 'D-weekly' });
    const week = new Date(Date.parse(series.start_datetime) + 7 * 24 * HOUR).toISOString();
    const slot = (await schedule(server)).body.locations[0].slots.find((s) => s.booking_id === series.id && Date.parse(s.start_datetime) === Date.parse(week))!;
    assert.ok(slot, 'the second week is offered');
    const booked = await book(server, slot, patientAddress(4));
    assert.notEqual(booked.booking_id, series.id, 'a stand-in is booked');
    const answer = await cancel(server, secretOf(booked.manage_url));
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await bookingOf(owner, booked.booking_id)).status, 'closed', 'the stand-in closes');
    assert.equal((await bookingOf(owner, series.id)).status, 'open');
    const again = (await schedule(server)).body.locations[0].slots;
    assert.ok(again.some((s) => s.booking_id === series.id && Date.parse(s.start_datetime) === Date.parse(week)), 'the series offers that week again');
  });

  test('move: the new time is booked with the sign-up, the old one is open; the link now stands for the new time', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 6 * 24 * 60), doctor_id: 'D-move' });
    const target = await openBooking(owner, { start: inMinutes(server, 7 * 24 * 60), doctor_id: 'D-move' });
    const { manage_url } = await book(server, booking, patientAddress(5));
    const secret = secretOf(manage_url);
    const answer = await move(server, secret, { booking_id: target.id, start_datetime: target.start_datetime });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.booking_id, target.id);
    assert.equal(answer.body.start_datetime, target.start_datetime);
    assert.equal(answer.body.status, 'booked');
    // Both bookings through the API, and the sign-up read with a scheduling:patients client.
    assert.equal((await bookingOf(owner, target.id)).status, 'booked');
    assert.equal((await bookingOf(owner, booking.id)).status, 'open');
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${target.id}/patient`)).body, PATIENT);
    assert.equal((await owner('GET', `/scheduling/bookings/${booking.id}/patient`)).status, 404);
    assert.ok((await schedule(server)).body.locations[0].slots.some((s) => s.booking_id === booking.id), 'the old time is offered again');
    // The BFF's read of the sign-up is in the audit trail.
    const audit = (await server.thread.store.audit.ofPractice('P1', 0)).filter((event) => event.booking_id === booking.id && event.outcome === 'read');
    assert.ok(audit.some((event) => event.actor_id.startsWith('bff_')), 'the BFF client read it, audited');
    // The same link now shows, and cancels, the new time.
    const shown = await view(server, secret);
    assert.equal(shown.body.booking_id, target.id);
    const cancelled = await cancel(server, secret);
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal((await bookingOf(owner, target.id)).status, 'open');
  });

  test('a move to a time no longer open changes nothing: 409 slot_taken, the old booking stays booked with its sign-up', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 8 * 24 * 60), doctor_id: 'D-taken' });
    const target = await openBooking(owner, { start: inMinutes(server, 9 * 24 * 60), doctor_id: 'D-taken' });
    const { manage_url } = await book(server, booking, patientAddress(6));
    await book(server, target, patientAddress(7)); // someone else takes it first
    const answer = await move(server, secretOf(manage_url), { booking_id: target.id, start_datetime: target.start_datetime });
    assert.equal(answer.status, 409, answer.text);
    assert.equal(answer.body.reason, 'slot_taken');
    assert.equal((await bookingOf(owner, booking.id)).status, 'booked');
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${booking.id}/patient`)).body, PATIENT);
    // A time of another location, or one the schedule does not offer, is refused alike.
    const elsewhere = await openBooking(owner, { location_id: 'other', start: inMinutes(server, 9 * 24 * 60), doctor_id: 'D-else' });
    const foreign = await move(server, secretOf(manage_url), { booking_id: elsewhere.id, start_datetime: elsewhere.start_datetime });
    assert.equal(foreign.status, 409);
    assert.equal((await bookingOf(owner, booking.id)).status, 'booked');
    assert.equal((await bookingOf(owner, elsewhere.id)).status, 'open');
  });

  test('after the cut-off: the view says so and offers no times; cancel and move are 409 past_cutoff naming it', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 23 * 60), doctor_id: 'D-late' });
    const target = await openBooking(owner, { start: inMinutes(server, 10 * 24 * 60), doctor_id: 'D-late' });
    const { manage_url } = await book(server, booking, patientAddress(8));
    const shown = await view(server, secretOf(manage_url));
    assert.equal(shown.status, 200);
    assert.equal(shown.body.can_change, false);
    assert.deepEqual(shown.body.slots, []);
    for (const refused of [await cancel(server, secretOf(manage_url)), await move(server, secretOf(manage_url), { booking_id: target.id, start_datetime: target.start_datetime })]) {
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.body.reason, 'past_cutoff');
      assert.match(refused.body.message, /24 hours before/);
    }
    assert.equal((await bookingOf(owner, booking.id)).status, 'booked');
    assert.equal((await bookingOf(owner, target.id)).status, 'open');
  });

  test('a wrong token, a token of another practice\'s site, and a malformed body', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 11 * 24 * 60), doctor_id: 'D-wrong' });
    const { manage_url } = await book(server, booking, patientAddress(9));
    const wrong = await view(server, 'x'.repeat(43));
    assert.equal(wrong.status, 404);
    assert.deepEqual(Object.keys(wrong.body).sort(), ['message', 'reason', 'status']);
    await server.thread.store.directory.createSite({ origin: 'https://other.example', practice_id: 'P2' }, Date.now());
    const foreign = await view(server, secretOf(manage_url), { origin: 'https://other.example' });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.message, wrong.body.message, 'tells nothing more than a wrong token');
    const missing = await bff<ErrorBody>(server, '/manage', { body: {} });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /manage_token is required/);
    // A token that cannot be one is named as such, on every manage route (never "required", never a 500).
    for (const path of ['/manage', '/manage/cancel', '/manage/move']) {
      for (const token of [1, '', 'x'.repeat(129)]) {
        const target = path === '/manage/move' ? { booking_id: booking.id, start_datetime: booking.start_datetime } : {};
        const odd = await bff<ErrorBody>(server, path, { from: patientAddress(caller++), body: { manage_token: token, ...target } });
        assert.equal(odd.status, 400, odd.text);
        assert.match(odd.body.message, /manage_token must be the part after # of the manage link: text of 1 to 128 characters/);
      }
    }
  });

  test('a link whose booking the practice reopened and another patient booked no longer changes it', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 13 * 24 * 60), doctor_id: 'D-stale' });
    const first = await book(server, booking, patientAddress(11));
    assert.equal((await owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'open' })).status, 200);
    const second = await book(server, booking, patientAddress(12));
    const stale = await view(server, secretOf(first.manage_url));
    assert.equal(stale.status, 200);
    assert.equal(stale.body.status, 'cancelled');
    assert.equal(stale.body.can_change, false);
    assert.equal((await cancel(server, secretOf(first.manage_url))).status, 409);
    assert.equal((await bookingOf(owner, booking.id)).status, 'booked', "the other patient's appointment stands");
    assert.equal((await view(server, secretOf(second.manage_url))).body.status, 'booked');
  });

  test('a link whose booking the practice reopened and booked for another patient directly moves and cancels nothing: no hold, no copy of their sign-up', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 14 * 24 * 60), doctor_id: 'D-direct' });
    const target = await openBooking(owner, { start: inMinutes(server, 15 * 24 * 60), doctor_id: 'D-direct' });
    const first = await book(server, booking, patientAddress(13));
    assert.equal((await owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'open' })).status, 200);
    const other = { ...PATIENT, first_name: 'Other', email: 'other@example.com' };
    assert.equal((await owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked', patient: other })).status, 200);
    const answer = await move(server, secretOf(first.manage_url), { booking_id: target.id, start_datetime: target.start_datetime });
    assert.equal(answer.status, 409, answer.text);
    const heldTarget = await server.thread.store.sql.all('SELECT state FROM bff_holds WHERE booking_id = :id', { id: target.id });
    assert.deepEqual(heldTarget, [], 'the new time was never held (nor booked with the other patient\'s sign-up)');
    assert.equal((await bookingOf(owner, target.id)).status, 'open');
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${booking.id}/patient`)).body, other, "the other patient's appointment stands");
    const cancelled = await cancel(server, secretOf(first.manage_url));
    assert.equal(cancelled.status, 409, cancelled.text);
    assert.equal((await bookingOf(owner, booking.id)).status, 'booked', "the old link cannot cancel the other patient's appointment");
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${booking.id}/patient`)).body, other);
    // Booked directly without a sign-up: refused alike (409, not a 502).
    assert.equal((await owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'open' })).status, 200);
    assert.equal((await owner('PUT', `/scheduling/bookings/${booking.id}`, { status: 'booked' })).status, 200);
    const bare = await move(server, secretOf(first.manage_url), { booking_id: target.id, start_datetime: target.start_datetime });
    assert.equal(bare.status, 409, bare.text);
    assert.equal((await bookingOf(owner, target.id)).status, 'open');
    assert.equal((await cancel(server, secretOf(first.manage_url))).status, 409);
    assert.equal((await bookingOf(owner, booking.id)).status, 'booked');
  });

  test('two cancels at once: one cancels, the other changes nothing', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 12 * 24 * 60), doctor_id: 'D-twice' });
    const { manage_url } = await book(server, booking, patientAddress(10));
    const answers = await Promise.all([cancel(server, secretOf(manage_url)), cancel(server, secretOf(manage_url))]);
    const statuses = answers.map((answer) => answer.status).sort();
    assert.equal(statuses.filter((status) => status === 200).length, 1, JSON.stringify(answers.map((a) => a.body)));
    assert.ok([404, 409].includes(statuses[1]));
    assert.equal((await bookingOf(owner, booking.id)).status, 'open');
  });
});

describe('manage link limits and settings', () => {
  test('20 manage attempts a minute per address, wrong tokens included, then 429 rate_limited', async () => {
    const { server } = await practiceServer();
    try {
      for (let i = 0; i < 20; i += 1) assert.equal((await view(server, `wrong-${i}`, { from: '127.0.0.9' })).status, 404);
      const limited = await view(server, 'wrong', { from: '127.0.0.9' });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.reason, 'rate_limited');
      assert.ok(Number(limited.headers['retry-after']) > 0);
    } finally {
      await server.close();
    }
  });

  test('CANCEL_CUTOFF_HOURS moves the cut-off', async () => {
    const { server, owner } = await practiceServer({ cancelCutoffHours: 2 });
    try {
      const booking = await openBooking(owner, { start: inMinutes(server, 3 * 60) });
      const { manage_url } = await book(server, booking);
      const shown = await view(server, secretOf(manage_url));
      assert.equal(shown.body.can_change, true);
      server.clock.advance(61 * 60_000);
      const late = await cancel(server, secretOf(manage_url));
      assert.equal(late.status, 409);
      assert.match(late.body.message, /2 hours before/);
    } finally {
      await server.close();
    }
  });
});

/**
 * Server A, whose BFF fronts B's booking API through a proxy that decides each request (`step`), with its own
 * client at B, the practice P1 and the site SITE: faults between a BFF and its API, on demand.
 */
async function bffThroughProxy(b: TestServer, clientId: string, step: Parameters<typeof apiProxy>[1]): Promise<{ a: TestServer; proxy: ApiProxy }> {
  const client = await addClient(b, { id: clientId, scopes: ['scheduling:read', 'scheduling:book', 'scheduling:patients'], practices: '*' });
  const proxy = await apiProxy(b.url, step);
  const a = await startServer({ upstream: { issuer: b.url, apiUrl: proxy.url, clientId: client.id, clientSecret: client.secret } });
  await a.thread.store.directory.createPractice({ id: 'P1', name: 'P1 at A' }, Date.now());
  await a.thread.store.directory.createSite({ origin: SITE, practice_id: 'P1' }, Date.now());
  return { a, proxy };
}

describe('a move that fails part way changes nothing', () => {
  let b: TestServer;
  let a: TestServer;
  let owner: ApiCall;
  let proxy: ApiProxy;
  /** The booking whose reopening fails, once set. */
  let failReopenOf = '';
  before(async () => {
    ({ server: b, owner } = await practiceServer());
    // The reopening of `failReopenOf` fails with a 500 (a fault in the network or the API); the rest passes.
    const fails = (method: string, path: string, body: string) =>
      method === 'PUT' && failReopenOf !== '' && path === `/scheduling/bookings/${failReopenOf}` && /"open"/.test(body);
    ({ a, proxy } = await bffThroughProxy(b, 'bff-of-a', ({ method, path, body }) =>
      fails(method, path, body) ? { status: 500, json: { status: 'internal_error', message: 'injected' } } : 'forward',
    ));
  });
  after(async () => {
    await a?.close();
    proxy?.close();
    await b?.close();
  });

  test('the old time cannot be given back: the new booking is reopened, the old stays booked with its sign-up', async () => {
    a.clock.now = b.clock.now;
    const booking = await openBooking(owner, { start: inMinutes(b, 3 * 24 * 60), doctor_id: 'D-undo' });
    const target = await openBooking(owner, { start: inMinutes(b, 4 * 24 * 60), doctor_id: 'D-undo' });
    const { manage_url } = await book(a, booking);
    failReopenOf = booking.id;
    const answer = await move(a, secretOf(manage_url), { booking_id: target.id, start_datetime: target.start_datetime });
    failReopenOf = '';
    assert.equal(answer.status, 502, answer.text);
    assert.equal(answer.body.reason, 'upstream_unavailable');
    assert.equal((await bookingOf(owner, booking.id)).status, 'booked');
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${booking.id}/patient`)).body, PATIENT);
    assert.equal((await bookingOf(owner, target.id)).status, 'open', 'the new time is given back');
    assert.equal((await owner('GET', `/scheduling/bookings/${target.id}/patient`)).status, 404);
    // The link still stands for the old time, which can still be moved.
    assert.equal((await view(a, secretOf(manage_url))).body.booking_id, booking.id);
    const again = await move(a, secretOf(manage_url), { booking_id: target.id, start_datetime: target.start_datetime });
    assert.equal(again.status, 200, again.text);
    assert.equal((await bookingOf(owner, target.id)).status, 'booked');
    assert.equal((await bookingOf(owner, booking.id)).status, 'open');
  });
});

describe('a claim that lapsed during a slow move', () => {
  let b: TestServer;
  let a: TestServer;
  let owner: ApiCall;
  let proxy: ApiProxy;
  /** Requests to the API that wait, once each: the first matching request is held until `release` is called. */
  const pauses: Array<{ matches: (method: string, path: string) => boolean; reached: () => void; release: Promise<void> }> = [];
  function pause(matches: (method: string, path: string) => boolean) {
    let reached!: () => void;
    let release!: () => void;
    const seen = new Promise<void>((resolve) => (reached = resolve));
    pauses.push({ matches, reached: () => reached(), release: new Promise<void>((resolve) => (release = resolve)) });
    return { seen, release: () => release() };
  }
  before(async () => {
    ({ server: b, owner } = await practiceServer());
    ({ a, proxy } = await bffThroughProxy(b, 'bff-of-a2', async ({ method, path }): Promise<ProxyStep> => {
      const index = pauses.findIndex((p) => p.matches(method, path));
      if (index >= 0) {
        const [held] = pauses.splice(index, 1);
        held.reached();
        await held.release;
      }
      return 'forward';
    }));
  });
  after(async () => {
    await a?.close();
    proxy?.close();
    await b?.close();
  });

  test('the slow move, its claim taken since by another request, changes nothing more: the new time is given back, the other keeps its claim', async () => {
    a.clock.now = b.clock.now;
    const booking = await openBooking(owner, { start: inMinutes(b, 3 * 24 * 60), doctor_id: 'D-lapse' });
    const target = await openBooking(owner, { start: inMinutes(b, 4 * 24 * 60), doctor_id: 'D-lapse' });
    const { manage_url } = await book(a, booking);
    const secret = secretOf(manage_url);
    const busyUntil = async () =>
      (await a.thread.store.sql.get<{ busy_until: number | null }>('SELECT busy_until FROM manage_links WHERE token_hash = :h', { h: sha256(secret) }))?.busy_until ?? null;

    // The move waits on the API while holding the new time, past its claim's minute.
    const slowHold = pause((method, path) => method === 'PUT' && path === `/scheduling/bookings/${target.id}`);
    const moving = move(a, secret, { booking_id: target.id, start_datetime: target.start_datetime });
    await slowHold.seen;
    a.clock.advance(61_000);
    // Another tab's cancel claims the lapsed link and waits on the API too.
    const slowRead = pause((method, path) => method === 'GET' && path === `/scheduling/bookings/${booking.id}`);
    const cancelling = cancel(a, secret);
    await slowRead.seen;
    const theirs = await busyUntil();
    assert.ok(theirs !== null && theirs > a.clock.now, 'the cancel holds the claim');

    slowHold.release();
    // One change of a link at a time: the move cannot record itself without its claim, so it stops there.
    const stopped = await moving;
    assert.equal(stopped.status, 409, stopped.text);
    assert.equal(stopped.body.reason, 'manage_busy');
    assert.equal((await bookingOf(owner, target.id)).status, 'open', 'the new time is given back');
    assert.equal(await busyUntil(), theirs, "the move left the cancel's claim alone");
    const third = await cancel(a, secret);
    assert.equal(third.status, 409, third.text);
    assert.equal(third.body.reason, 'manage_busy', 'one change of a link at a time still');

    slowRead.release();
    assert.equal((await cancelling).status, 200);
    assert.equal(await busyUntil(), null, 'each claim is given up by its own request');
  });
});
