// A patient's move cut short by a crash: a real server process, fronting a booking API through a proxy, is
// killed (SIGKILL) in the middle of a move, and the next server on the same database settles the move from
// what the API says, in the background or when the patient comes back. Everything is checked over HTTP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Booking, ConfirmResponse, ErrorBody, ManageView } from '../shared/types.js';
import { MANAGE_CLAIM_MS, SWEEP_INTERVAL_MS } from '../server/bff/limits.js';
import { PATIENT, SITE, bff, confirm, hold, inMinutes, openBooking, patientAddress, practiceServer, type ApiCall } from './bff-helpers.js';
import { apiProxy, type ApiProxy } from './helpers/api-proxy.js';
import { serverProcesses } from './helpers/process.js';
import { addClient, startServer, tempDatabasePath, type TestServer } from './helpers/server.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const secretOf = (url: string) => url.slice(url.indexOf('#') + 1);

/** Each request from an address of its own: the rate limits are tested elsewhere. */
let caller = 2000;
const view = (server: { url: string }, token: string) =>
  bff<ManageView & Omit<ErrorBody, 'status'>>(server, '/manage', { from: patientAddress(caller++), body: { manage_token: token } });
const move = (server: { url: string }, token: string, to: Booking) =>
  bff<ManageView & Omit<ErrorBody, 'status'>>(server, '/manage/move', {
    from: patientAddress(caller++),
    body: { manage_token: token, booking_id: to.id, start_datetime: to.start_datetime },
  });

interface IntentRow {
  booking_id: string;
  move_from: string | null;
  move_to: string | null;
  move_hold_hash: string | null;
  busy_until: number | null;
}

describe('a move cut short by a crash of its server', () => {
  let b: TestServer;
  let owner: ApiCall;
  let proxy: ApiProxy;
  /** The BFF's database: every server of the test fronting B shares it, processes and in-process servers alike. */
  const databasePath = tempDatabasePath('bff');
  let upstream: { issuer: string; apiUrl: string; clientId: string; clientSecret: string };
  const startProcess = serverProcesses();
  /** Requests to the API that never arrive: the first matching one is held, unanswered, for good. */
  const holds: Array<{ matches: (method: string, path: string, body: string) => boolean; reached: () => void }> = [];
  function stopAt(matches: (method: string, path: string, body: string) => boolean): Promise<void> {
    return new Promise((reached) => holds.push({ matches, reached }));
  }

  before(async () => {
    ({ server: b, owner } = await practiceServer());
    const client = await addClient(b, { id: 'bff-crash', scopes: ['scheduling:read', 'scheduling:book', 'scheduling:patients'], practices: '*' });
    proxy = await apiProxy(b.url, ({ method, path, body }) => {
      const index = holds.findIndex((h) => h.matches(method, path, body));
      if (index < 0) return 'forward';
      holds.splice(index, 1)[0].reached();
      return 'drop';
    });
    upstream = { issuer: b.url, apiUrl: proxy.url, clientId: client.id, clientSecret: client.secret };
    // The BFF's own directory of sites, made once in its database.
    const setup = await startServer({ databasePath, upstream });
    await setup.thread.store.directory.createPractice({ id: 'P1', name: 'P1 at the BFF' }, Date.now());
    await setup.thread.store.directory.createSite({ origin: SITE, practice_id: 'P1' }, Date.now());
    await setup.close();
  });
  after(async () => {
    proxy?.close();
    await b?.close();
  });

  const bookingOf = async (id: string) => {
    const answer = await owner('GET', `/scheduling/bookings/${id}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as Booking;
  };
  const signUpOf = async (id: string) => owner('GET', `/scheduling/bookings/${id}/patient`);

  /**
   * Books `booking` through a server process, then moves it to `target` and kills the process (SIGKILL) when
   * the move's request `crashAt` picks reaches the API: that request never arrives. The link's secret.
   */
  async function crashMidMove(booking: Booking, target: Booking, crashAt: (method: string, path: string, body: string) => boolean): Promise<string> {
    const server = await startProcess({
      DATABASE_PATH: databasePath,
      THREAD_ISSUER: upstream.issuer,
      THREAD_API_URL: upstream.apiUrl,
      THREAD_CLIENT_ID: upstream.clientId,
      THREAD_CLIENT_SECRET: upstream.clientSecret,
    });
    const from = patientAddress(caller++);
    const held = await hold(server, booking, { from });
    assert.equal(held.status, 201, held.text);
    const booked = await confirm(server, held.body.hold_token, PATIENT, { from });
    assert.equal(booked.status, 200, booked.text);
    const secret = secretOf((booked.body as ConfirmResponse & { manage_url: string }).manage_url);
    const reached = stopAt(crashAt);
    const moving = move(server, secret, target).then(
      () => assert.fail('the move was to be cut short'),
      () => undefined, // the connection dies with the process
    );
    await reached;
    server.child.kill('SIGKILL');
    await server.exited;
    await moving;
    return secret;
  }

  const intentOf = async (server: TestServer, secret: string) =>
    (await server.thread.store.sql.get<IntentRow>('SELECT booking_id, move_from, move_to, move_hold_hash, busy_until FROM manage_links WHERE token_hash = :h', { h: sha256(secret) }))!;

  /** A server on the BFF's database, its clock past the crashed move's claim. */
  async function nextServer(): Promise<TestServer> {
    const server = await startServer({ databasePath, upstream });
    server.clock.now = Date.now() + MANAGE_CLAIM_MS + 1000;
    return server;
  }

  /** The state of a move completed: the old time open again, the new one booked with the sign-up, the link on the new time. */
  async function assertMoved(server: TestServer, secret: string, booking: Booking, target: Booking): Promise<void> {
    assert.equal((await bookingOf(booking.id)).status, 'open', 'the old booking is open again');
    assert.equal((await bookingOf(target.id)).status, 'booked', 'the new one is booked');
    assert.deepEqual((await signUpOf(target.id)).body, PATIENT, 'the sign-up is on the new booking');
    assert.equal((await signUpOf(booking.id)).status, 404, 'and not on the old one');
    const shown = await view(server, secret);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.body.booking_id, target.id, 'the link shows the new time');
    assert.equal(shown.body.start_datetime, target.start_datetime);
    assert.equal(shown.body.status, 'booked');
    assert.equal(shown.body.can_change, true);
    const row = await intentOf(server, secret);
    assert.deepEqual([row.booking_id, row.move_from, row.move_to, row.move_hold_hash, row.busy_until], [target.id, null, null, null, null], 'the intent is cleared');
  }

  /** Waits until the API shows `id` with `status`, or fails after a few sweeps. */
  async function until(id: string, status: string): Promise<void> {
    const deadline = Date.now() + 4 * SWEEP_INTERVAL_MS;
    while ((await bookingOf(id)).status !== status) {
      if (Date.now() > deadline) assert.fail(`booking ${id} never became ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  test('killed after the new time was booked, before the old one was given back: the next server completes the move on its own', async () => {
    const booking = await openBooking(owner, { start: inMinutes(b, 3 * 24 * 60), doctor_id: 'D-crash-1' });
    const target = await openBooking(owner, { start: inMinutes(b, 4 * 24 * 60), doctor_id: 'D-crash-1' });
    const secret = await crashMidMove(booking, target, (method, path, body) => method === 'PUT' && path === `/scheduling/bookings/${booking.id}` && /"open"/.test(body));
    // What the crash left: two booked appointments, the link still on the old one.
    assert.equal((await bookingOf(booking.id)).status, 'booked');
    assert.equal((await bookingOf(target.id)).status, 'booked');

    // Two servers share the database, each sweeping: one of them settles the move.
    const [next, other] = await Promise.all([nextServer(), nextServer()]);
    try {
      const left = await intentOf(next, secret);
      assert.deepEqual([left.booking_id, left.move_from, left.move_to], [booking.id, booking.id, target.id], 'the move recorded its intent before booking');
      // Nobody visits: the background sweep settles it.
      await until(booking.id, 'open');
      await assertMoved(next, secret, booking, target);
      const settled = [...next.logs, ...other.logs].filter((line) => line.includes('a move cut short was'));
      assert.equal(settled.length, 1, settled.join('\n'));
    } finally {
      await Promise.all([next.close(), other.close()]);
    }
  });

  test('killed after the new time was booked: the patient coming back finds the move completed', async () => {
    const booking = await openBooking(owner, { start: inMinutes(b, 5 * 24 * 60), doctor_id: 'D-crash-2' });
    const target = await openBooking(owner, { start: inMinutes(b, 6 * 24 * 60), doctor_id: 'D-crash-2' });
    const secret = await crashMidMove(booking, target, (method, path, body) => method === 'PUT' && path === `/scheduling/bookings/${booking.id}` && /"open"/.test(body));
    const next = await nextServer();
    try {
      // At once, before the first background sweep: the visit itself settles it.
      const shown = await view(next, secret);
      assert.equal(shown.status, 200, shown.text);
      assert.equal(shown.body.booking_id, target.id);
      await assertMoved(next, secret, booking, target);
      // The link goes on working for the new time.
      const elsewhere = await openBooking(owner, { start: inMinutes(b, 7 * 24 * 60), doctor_id: 'D-crash-2' });
      const again = await move(next, secret, elsewhere);
      assert.equal(again.status, 200, again.text);
      assert.equal((await bookingOf(target.id)).status, 'open');
      assert.deepEqual((await signUpOf(elsewhere.id)).body, PATIENT);
    } finally {
      await next.close();
    }
  });

  test('killed before the new time was booked: the move is abandoned, the old booking stays booked, the link still works', async () => {
    const booking = await openBooking(owner, { start: inMinutes(b, 8 * 24 * 60), doctor_id: 'D-crash-3' });
    const target = await openBooking(owner, { start: inMinutes(b, 9 * 24 * 60), doctor_id: 'D-crash-3' });
    const secret = await crashMidMove(booking, target, (method, path, body) => method === 'PUT' && path === `/scheduling/bookings/${target.id}` && /"booked"/.test(body));
    assert.equal((await bookingOf(target.id)).status, 'pending', 'the crash left the new time held');

    const next = await nextServer();
    try {
      assert.equal((await intentOf(next, secret)).move_to, target.id);
      await until(target.id, 'open');
      assert.equal((await bookingOf(booking.id)).status, 'booked', 'the old booking stays');
      assert.deepEqual((await signUpOf(booking.id)).body, PATIENT, 'with its sign-up');
      assert.equal((await signUpOf(target.id)).status, 404);
      const row = await intentOf(next, secret);
      assert.deepEqual([row.booking_id, row.move_from, row.move_to, row.move_hold_hash, row.busy_until], [booking.id, null, null, null, null], 'the intent is cleared');
      const shown = await view(next, secret);
      assert.equal(shown.status, 200, shown.text);
      assert.equal(shown.body.booking_id, booking.id);
      assert.equal(shown.body.status, 'booked');
      assert.equal(shown.body.can_change, true);
      // And the move can be made again.
      const again = await move(next, secret, target);
      assert.equal(again.status, 200, again.text);
      assert.equal((await bookingOf(target.id)).status, 'booked');
      assert.equal((await bookingOf(booking.id)).status, 'open');
    } finally {
      await next.close();
    }
  });
});
