// Holding every open time (security review, findings 4, 5 and 10): holds counted by network and
// location, a proof of work that gets dearer, short first holds with a bounded extend, holds only
// of times the schedule offers, and the honeypot field required.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ErrorBody, HoldChallenge, HoldResponse } from '../shared/types.js';
import {
  PATIENT,
  bff,
  challenge,
  confirm,
  extend,
  hold,
  inMinutes,
  openBooking,
  patientAddress,
  practiceServer,
  proof,
  solveChallenge,
  type ApiCall,
} from './bff-helpers.js';
import { startServer, type TestServer } from './helpers/server.js';
import { holdRefusal, locationShare, proofBits } from '../server/bff/hoarding.js';
import { networkOf } from '../server/bff/network.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const reason = (answer: { body: unknown }) => (answer.body as ErrorBody).reason;

async function bookingStatus(owner: ApiCall, id: string): Promise<string> {
  return (await owner('GET', `/scheduling/bookings/${id}`)).body.status;
}

/** `n` one-off open bookings of loc1, an hour apart, each of its own doctor. */
function openTimes(server: TestServer, owner: ApiCall, n: number, doctor = 'D') {
  return Promise.all(Array.from({ length: n }, (_, i) => openBooking(owner, { start: inMinutes(server, 60 * (i + 1)), doctor_id: `${doctor}${i}` })));
}

describe('one actor cannot hold every open time', () => {
  test('50 addresses in one /24, stating the origin three ways, hold at most 3 times', async () => {
    const { server, owner } = await practiceServer();
    try {
      // The server's own page (no Origin header counts as PUBLIC_URL) and its other spelling are sites too.
      const port = new URL(server.url).port;
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        await server.thread.store.directory.createSite({ origin, practice_id: 'P1' }, Date.now());
      }
      const bookings = await openTimes(server, owner, 50);
      const origins = [undefined, null, `http://localhost:${port}`];
      const statuses: number[] = [];
      for (let i = 0; i < 50; i += 1) {
        const request = { from: `127.77.1.${i + 2}`, origin: origins[i % 3] };
        const answer = await hold(server, bookings[i], request);
        statuses.push(answer.status);
        if (answer.status !== 201) assert.equal(reason(answer), 'too_many_holds', answer.text);
      }
      assert.equal(statuses.filter((s) => s === 201).length, 3);
      // Another network is not held back by it.
      assert.equal((await hold(server, bookings[49], { from: '127.78.1.2' })).status, 201);
    } finally {
      await server.close();
    }
  });

  test('two server processes sharing the database count one network together, and accept each other\'s challenges', async () => {
    const { server: first, owner } = await practiceServer();
    const bookings = await openTimes(first, owner, 20);
    const me = patientAddress(60);
    // Held before the second starts: each local-mode process gives the BFF's own API client a
    // new secret at start, so the first's BFF must have its access token already.
    assert.equal((await hold(first, bookings[0], { from: me })).status, 201);
    const second = await startServer({ databasePath: first.databasePath });
    try {
      second.clock.now = first.clock.now;
      assert.equal((await hold(second, bookings[1], { from: me })).status, 201);
      // A challenge from the first, used on the second.
      const solved = await proof(first, 'loc1', { from: me });
      assert.equal((await hold(second, bookings[2], { from: me, proof: solved })).status, 201);
      const fourth = await hold(first, bookings[3], { from: me });
      assert.equal(fourth.status, 429, fourth.text);
      assert.equal(reason(fourth), 'too_many_holds');
      // A challenge holds once, whichever process sees it again, and only for its own network.
      assert.equal(reason(await hold(first, bookings[4], { from: me, proof: solved })), 'proof_reused');
      assert.equal(reason(await hold(first, bookings[4], { from: patientAddress(61), proof: solved })), 'proof_invalid');
    } finally {
      await second.close();
      await first.close();
    }
  });

  describe('many networks together', () => {
    let server: TestServer;
    let owner: ApiCall;
    before(async () => {
      ({ server, owner } = await practiceServer());
    });
    after(() => server.close());

    test("past the location's share (max(2, 20%) of its open times) every hold costs twice the one before, and a network gets no second", async () => {
      const bookings = await openTimes(server, owner, 10); // share: 2
      const a = await hold(server, bookings[0], { from: patientAddress(1) });
      assert.equal(a.status, 201, a.text);
      // Network 3 solves a challenge while the location is quiet...
      const early = await challenge(server, 'loc1', { from: patientAddress(3) });
      assert.equal(early.body.bits, 10);
      const b = await hold(server, bookings[1], { from: patientAddress(2) });
      assert.equal(b.status, 201, b.text);
      // ...and the share is reached before it sends it: that cheap proof no longer holds.
      const cheap = await hold(server, bookings[2], { from: patientAddress(3), proof: { challenge: early.body.challenge, nonce: solveChallenge(early.body.challenge, early.body.bits) } });
      assert.equal(cheap.status, 403, cheap.text);
      assert.equal(reason(cheap), 'proof_too_weak');
      assert.equal(await bookingStatus(owner, bookings[2].id), 'open');

      // Not locked out: a new patient pays more, and still holds.
      const dearer = await challenge(server, 'loc1', { from: patientAddress(3) });
      assert.equal(dearer.body.bits, 16);
      const c = await hold(server, bookings[2], { from: patientAddress(3), proof: { challenge: dearer.body.challenge, nonce: solveChallenge(dearer.body.challenge, dearer.body.bits) } });
      assert.equal(c.status, 201, c.text);
      assert.equal((await challenge(server, 'loc1', { from: patientAddress(4) })).body.bits, 17, 'each hold past the share doubles the work');
      assert.equal((await challenge(server, 'loc1', { from: patientAddress(5) })).body.bits, 17);

      // A network that holds one already gets no other while the location is past its share.
      const second = await hold(server, bookings[3], { from: patientAddress(1) });
      assert.equal(second.status, 429, second.text);
      assert.equal(reason(second), 'too_many_holds');
    });
  });

  test('no site-wide lock-out: with 101 holds on the site, a patient from a new network still holds', async () => {
    const { server, owner } = await practiceServer();
    try {
      // 60 weekly bookings: about 540 open times in the next 60 days, so a share of about 108.
      const series = await Promise.all(
        Array.from({ length: 60 }, (_, i) => openBooking(owner, { start: inMinutes(server, 60 + i * 45), doctor_id: `W${i}`, recurring: true })),
      );
      const week = (s: number, w: number) => ({ booking_id: series[s].id, start_datetime: new Date(Date.parse(series[s].start_datetime) + w * 7 * DAY).toISOString() });
      const held: number[] = [];
      for (let i = 0; i < 101; i += 1) {
        const answer = await hold(server, week(i % 60, Math.floor(i / 60)), { from: patientAddress(100 + Math.floor(i / 3)) });
        held.push(answer.status);
      }
      assert.deepEqual([...new Set(held)], [201]);
      const newcomer = await hold(server, week(5, 4), { from: patientAddress(900) });
      assert.equal(newcomer.status, 201, newcomer.text);
    } finally {
      await server.close();
    }
  });
});

describe('the proof of work', () => {
  let server: TestServer;
  let owner: ApiCall;
  before(async () => {
    ({ server, owner } = await practiceServer());
  });
  after(() => server.close());

  test('a challenge names its bits and expiry; a hold without a solved one is refused, naming why', async () => {
    const [booking] = await openTimes(server, owner, 1, 'P');
    const me = patientAddress(50);
    const issued = await challenge(server, 'loc1', { from: me });
    assert.equal(issued.status, 200, issued.text);
    const body: HoldChallenge = issued.body;
    assert.equal(body.bits, 10);
    assert.equal(body.expires_at, new Date(server.clock.now + 2 * MINUTE).toISOString());

    const missing = await hold(server, booking, { from: me, proof: null });
    assert.equal(missing.status, 400);
    assert.equal(reason(missing), 'proof_required');
    assert.match((missing.body as unknown as ErrorBody).message, /challenge is required/);

    // A nonce that does not solve it.
    let wrong = 0;
    while (zeroBits(body.challenge + String(wrong)) >= body.bits) wrong += 1;
    const unsolved = await hold(server, booking, { from: me, proof: { challenge: body.challenge, nonce: String(wrong) } });
    assert.equal(unsolved.status, 403, unsolved.text);
    assert.equal(reason(unsolved), 'proof_invalid');

    // Forged: fewer bits asked, signature kept.
    const [payload, mac] = body.challenge.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...claims, b: 0 })).toString('base64url')}.${mac}`;
    const forgedHold = await hold(server, booking, { from: me, proof: { challenge: forged, nonce: '0' } });
    assert.equal(forgedHold.status, 403);
    assert.equal(reason(forgedHold), 'proof_invalid');

    // Solved, but by another network than the one it was given to.
    const elsewhere = await hold(server, booking, { from: patientAddress(51), proof: { challenge: body.challenge, nonce: solveChallenge(body.challenge, body.bits) } });
    assert.equal(elsewhere.status, 403);
    assert.equal(reason(elsewhere), 'proof_invalid');

    // Expired.
    server.clock.advance(2 * MINUTE + 1);
    const late = await hold(server, booking, { from: me, proof: { challenge: body.challenge, nonce: solveChallenge(body.challenge, body.bits) } });
    assert.equal(late.status, 403);
    assert.equal(reason(late), 'proof_expired');
    assert.equal(await bookingStatus(owner, booking.id), 'open');

    // Solved and fresh: holds, once.
    const solved = await proof(server, 'loc1', { from: me });
    const ok = await hold(server, booking, { from: me, proof: solved });
    assert.equal(ok.status, 201, ok.text);
    const [other] = await openTimes(server, owner, 1, 'Q');
    const again = await hold(server, other, { from: me, proof: solved });
    assert.equal(again.status, 403);
    assert.equal(reason(again), 'proof_reused');
  });
});

/** Leading zero bits of SHA-256(text), worked out here independently of the server. */
function zeroBits(text: string): number {
  const hex = createHash('sha256').update(text).digest('hex');
  const bits = [...hex].map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join('');
  return bits.indexOf('1') === -1 ? 256 : bits.indexOf('1');
}

describe('short first holds, extended while the patient fills the form', () => {
  test('extend lengthens to HOLD_MINUTES, renews the API hold, and is capped in total life and calls', async () => {
    const { server, owner } = await practiceServer();
    try {
      const [booking] = await openTimes(server, owner, 1);
      const made = server.clock.now;
      const { body: held } = (await hold(server, booking)) as { body: HoldResponse };
      assert.equal(held.expires_in, 180);

      const first = await extend(server, held.hold_token);
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.body, { expires_at: new Date(made + 10 * MINUTE).toISOString(), expires_in: 600, extensions_left: 19 });

      // Past the API's own 10 minutes from the hold: renewed there too, so still held and bookable.
      server.clock.advance(8 * MINUTE);
      assert.equal((await extend(server, held.hold_token)).body.expires_in, 600);
      server.clock.advance(9 * MINUTE);
      assert.equal(await bookingStatus(owner, booking.id), 'pending');

      // Never past 11 x HOLD_MINUTES from when it was made.
      let last = first;
      for (let i = 0; i < 12; i += 1) {
        last = await extend(server, held.hold_token);
        assert.equal(last.status, 200, last.text);
        if (Date.parse(last.body.expires_at) >= made + 110 * MINUTE) break;
        server.clock.advance(9 * MINUTE);
      }
      assert.equal(last.body.expires_at, new Date(made + 110 * MINUTE).toISOString());
      // At most 20 calls per hold.
      let calls = 20 - last.body.extensions_left;
      while (calls < 20) {
        assert.equal((await extend(server, held.hold_token)).status, 200);
        calls += 1;
      }
      const capped = await extend(server, held.hold_token);
      assert.equal(capped.status, 409);
      assert.equal(reason(capped), 'extend_limit');

      const booked = await confirm(server, held.hold_token);
      assert.equal(booked.status, 200, booked.text);
      assert.equal((await extend(server, held.hold_token)).status, 410, 'a booked hold is not extended');
      assert.equal((await extend(server, 'not-a-token')).status, 404);
    } finally {
      await server.close();
    }
  });

  test('an expired hold is not extended', async () => {
    const { server, owner } = await practiceServer();
    try {
      const [booking] = await openTimes(server, owner, 1);
      const { body: held } = (await hold(server, booking)) as { body: HoldResponse };
      server.clock.advance(3 * MINUTE + 1);
      const late = await extend(server, held.hold_token);
      assert.equal(late.status, 410);
      assert.equal(reason(late), 'hold_expired');
    } finally {
      await server.close();
    }
  });
});

describe('only times the schedule offers can be held (finding 5)', () => {
  test('a week of a weekly booking in 2999, or 61 days ahead, is refused and nothing is held', async () => {
    const { server, owner } = await practiceServer();
    try {
      const series = await openBooking(owner, { start: inMinutes(server, 60), recurring: true, doctor_id: 'S' });
      const weekAt = (w: number) => new Date(Date.parse(series.start_datetime) + w * 7 * DAY).toISOString();
      const far = await hold(server, { booking_id: series.id, start_datetime: '2999-01-01T' + weekAt(0).slice(11) });
      assert.equal(far.status, 400, far.text);
      assert.equal(reason(far), 'outside_window');
      assert.match((far.body as unknown as ErrorBody).message, /within the next 60 days/);
      // Week 9 (63 days ahead) is a real week of the series, but outside the window.
      const week9 = await hold(server, { booking_id: series.id, start_datetime: weekAt(9) });
      assert.equal(week9.status, 400);
      assert.equal(reason(week9), 'outside_window');
      const oneOff = await openBooking(owner, { start: new Date(server.clock.now + 61 * DAY).toISOString(), doctor_id: 'T' });
      const ahead = await hold(server, oneOff);
      assert.equal(ahead.status, 400);
      assert.equal(reason(ahead), 'outside_window');
      assert.equal((await owner('GET', '/scheduling/locations/loc1/bookings?status=pending')).body.length, 0);
      // Inside the window, a real week holds.
      assert.equal((await hold(server, { booking_id: series.id, start_datetime: weekAt(8) })).status, 201);
    } finally {
      await server.close();
    }
  });
});

describe('the honeypot field (finding 10)', () => {
  test('a hold or confirm without `website` is 400 naming it', async () => {
    const { server, owner } = await practiceServer();
    try {
      const [booking] = await openTimes(server, owner, 1);
      const noField = await hold(server, booking, { website: null });
      assert.equal(noField.status, 400);
      assert.match((noField.body as unknown as ErrorBody).message, /website/);
      assert.equal(await bookingStatus(owner, booking.id), 'open');

      const { body: held } = (await hold(server, booking)) as { body: HoldResponse };
      const confirmWithout = await bff<ErrorBody>(server, '/holds/confirm', { body: { hold_token: held.hold_token, patient: PATIENT } });
      assert.equal(confirmWithout.status, 400);
      assert.match(confirmWithout.body.message, /website/);
      assert.equal(await bookingStatus(owner, booking.id), 'pending');
    } finally {
      await server.close();
    }
  });
});

describe('the rules, cell by cell', () => {
  test('networkOf: IPv4 /24 (also IPv4-mapped), IPv6 /56', () => {
    const cases: Array<[string, string]> = [
      ['203.0.113.77', '203.0.113.0/24'],
      ['::ffff:203.0.113.77', '203.0.113.0/24'],
      ['2001:db8:abcd:12ff::1', '2001:db8:abcd:1200::/56'],
      ['2001:db8:abcd:1234:5678::9', '2001:db8:abcd:1200::/56'],
      ['2001:db8:abcd:1300::1', '2001:db8:abcd:1300::/56'],
    ];
    for (const [ip, network] of cases) assert.equal(networkOf(ip), network, ip);
  });

  test('share, refusal and proof bits', () => {
    assert.equal(locationShare(3, 0), 2);
    assert.equal(locationShare(40, 10), 10);
    assert.equal(holdRefusal({ network: 3, networkHere: 0, location: 0 }, 10), 'network_full');
    assert.equal(holdRefusal({ network: 1, networkHere: 1, location: 10 }, 10), 'past_share');
    assert.equal(holdRefusal({ network: 1, networkHere: 0, location: 10 }, 10), undefined);
    assert.equal(proofBits({ network: 0, networkHere: 0, location: 0 }, 10), 10);
    assert.equal(proofBits({ network: 2, networkHere: 0, location: 9 }, 10), 14);
    assert.equal(proofBits({ network: 0, networkHere: 0, location: 12 }, 10), 18);
    assert.equal(proofBits({ network: 2, networkHere: 0, location: 100 }, 10), 22, 'capped, so a patient can always hold');
  });
});
