// Holds, release and confirm through the BFF against a real server fronting itself:
// the race, expiry (also across a restart), weekly occurrences, field checks and abuse limits.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ConfirmResponse, ErrorBody, HoldResponse } from '../shared/types.js';
import {
  PATIENT,
  SITE,
  bff,
  confirm,
  hold,
  inMinutes,
  openBooking,
  patientAddress,
  practiceServer,
  release,
  schedule,
  type ApiCall,
} from './bff-helpers.js';
import { addClient, api, getToken, startServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** The practice's view of a booking, through the API. */
async function bookingStatus(owner: ApiCall, id: string): Promise<string> {
  const answer = await owner('GET', `/scheduling/bookings/${id}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.status;
}

describe('holding, releasing and confirming a one-off booking', () => {
  let server: TestServer;
  let owner: ApiCall;
  before(async () => {
    ({ server, owner } = await practiceServer());
  });
  after(() => server.close());

  test('a hold makes the booking pending and answers an unguessable token, kept only hashed', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 120), doctor_id: 'D-hold' });
    const answer = await hold(server, booking, { from: patientAddress(1) });
    assert.equal(answer.status, 201, answer.text);
    const body = answer.body;
    assert.match(body.hold_token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.deepEqual(
      { ...body, hold_token: undefined },
      {
        hold_token: undefined,
        booking_id: booking.id,
        location_id: 'loc1',
        start_datetime: booking.start_datetime,
        length: 30,
        // A first hold is short; the widget extends it once the patient starts on the form.
        expires_at: new Date(server.clock.now + 3 * MINUTE).toISOString(),
        expires_in: 180,
      },
    );
    assert.equal(answer.headers['access-control-allow-origin'], SITE);
    assert.equal(await bookingStatus(owner, booking.id), 'pending');
    const stored = await server.thread.store.holds.get(sha256(body.hold_token));
    assert.equal(stored?.booking_id, booking.id);
    assert.ok(!JSON.stringify(stored).includes(body.hold_token), 'the token itself is not stored');
    // The slot is gone from the schedule while held.
    const list = await schedule(server);
    assert.ok(!list.body.locations[0].slots.some((s) => s.booking_id === booking.id));
  });

  test('release as text/plain (fetch keepalive on page exit) opens it again; a second release is 200 too', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 180), doctor_id: 'D-plain' });
    const { body: held } = await hold(server, booking, { from: patientAddress(2) });
    const first = await bff(server, '/holds/release', { body: JSON.stringify({ hold_token: held.hold_token }), contentType: 'text/plain;charset=UTF-8', from: patientAddress(2) });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { status: 'released' });
    assert.equal(await bookingStatus(owner, booking.id), 'open');
    const again = await release(server, held.hold_token);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { status: 'released' });
    const list = await schedule(server);
    assert.ok(list.body.locations[0].slots.some((s) => s.booking_id === booking.id), 'offered again');
    // A released hold cannot be confirmed.
    const late = await confirm(server, held.hold_token);
    assert.equal(late.status, 410);
    assert.equal((late.body as ErrorBody).reason, 'hold_expired');
  });

  test('release as application/json; other content types are 415', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 200), doctor_id: 'D-json' });
    const { body: held } = await hold(server, booking, { from: patientAddress(3) });
    const form = await bff(server, '/holds/release', { body: `hold_token=${held.hold_token}`, contentType: 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.equal(await bookingStatus(owner, booking.id), 'pending');
    const answer = await release(server, held.hold_token);
    assert.equal(answer.status, 200);
    assert.equal(await bookingStatus(owner, booking.id), 'open');
  });

  test('confirm books it through the API and stores the sign-up for the practice', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 240), doctor_id: 'D-confirm' });
    const { body: held } = await hold(server, booking, { from: patientAddress(4) });
    const answer = await confirm(server, held.hold_token, PATIENT, { from: patientAddress(4) });
    assert.equal(answer.status, 200, answer.text);
    const manageUrl = (answer.body as ConfirmResponse).manage_url ?? '';
    assert.match(manageUrl, new RegExp(`^${server.url}/manage#[A-Za-z0-9_-]{43}$`), 'with the private manage link');
    const expected: ConfirmResponse = { booking_id: booking.id, location_id: 'loc1', start_datetime: booking.start_datetime, length: 30, status: 'booked', manage_url: manageUrl };
    assert.deepEqual(answer.body, expected);
    assert.equal(await bookingStatus(owner, booking.id), 'booked');
    const signUp = await owner('GET', `/scheduling/bookings/${booking.id}/patient`);
    assert.equal(signUp.status, 200);
    assert.deepEqual(signUp.body, PATIENT);

    // Double click: the same answer (the same manage link), again and again, also at once.
    const [a, b] = await Promise.all([confirm(server, held.hold_token), confirm(server, held.hold_token)]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.deepEqual(a.body, expected);
    assert.deepEqual(b.body, expected);
    // Releasing a booked hold leaves the booking booked.
    const released = await release(server, held.hold_token);
    assert.equal(released.status, 200);
    assert.deepEqual(released.body, { status: 'booked' });
    assert.equal(await bookingStatus(owner, booking.id), 'booked');
  });

  test('concurrent confirms of one hold: both 200, booked once', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 250), doctor_id: 'D-twice' });
    const { body: held } = await hold(server, booking, { from: patientAddress(5) });
    const answers = await Promise.all(Array.from({ length: 5 }, () => confirm(server, held.hold_token)));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    assert.equal(await bookingStatus(owner, booking.id), 'booked');
  });

  test('only the bearer of the hold token can confirm or release it: any other token is 404 hold_not_found', async () => {
    const booking = await openBooking(owner, { start: inMinutes(server, 300), doctor_id: 'D-bearer' });
    const { body: held } = await hold(server, booking, { from: patientAddress(6) });
    const guessed = held.hold_token.slice(0, -2) + (held.hold_token.endsWith('AA') ? 'AB' : 'AA');
    const stranger = patientAddress(60);
    for (const token of [guessed, 'not-a-token', sha256(held.hold_token)]) {
      const confirmAnswer = await confirm(server, token, PATIENT, { from: stranger });
      assert.equal(confirmAnswer.status, 404);
      assert.equal((confirmAnswer.body as ErrorBody).reason, 'hold_not_found');
      const releaseAnswer = await release(server, token, { from: stranger });
      assert.equal(releaseAnswer.status, 404);
      assert.equal((releaseAnswer.body as ErrorBody).reason, 'hold_not_found');
    }
    // Another registered site of the same practice does not get at it either.
    await server.thread.store.directory.createSite({ origin: 'https://other-site.example', practice_id: 'P1' }, Date.now());
    const elsewhere = await release(server, held.hold_token, { origin: 'https://other-site.example' });
    assert.equal(elsewhere.status, 404);
    assert.equal(await bookingStatus(owner, booking.id), 'pending');
    const missing = await bff<ErrorBody>(server, '/holds/release', { body: {} });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /hold_token/);
  });

  test('a hold of a taken, moved, past or foreign booking is refused', async () => {
    const booked = await openBooking(owner, { start: inMinutes(server, 400), status: 'booked', doctor_id: 'D-refuse' });
    const taken = await hold(server, booked);
    assert.equal(taken.status, 409);
    assert.deepEqual(taken.body, { status: 'conflict', reason: 'slot_taken', message: 'That time was just taken. Please pick another time.' });

    const open = await openBooking(owner, { start: inMinutes(server, 460), doctor_id: 'D-refuse' });
    const moved = await hold(server, { booking_id: open.id, start_datetime: inMinutes(server, 465) });
    assert.equal(moved.status, 409);
    assert.equal((moved.body as unknown as ErrorBody).reason, 'slot_taken');

    const past = await openBooking(owner, { start: inMinutes(server, -60), doctor_id: 'D-refuse' });
    assert.equal((await hold(server, past)).status, 409);

    const nothing = await hold(server, { booking_id: 'no-such-booking', start_datetime: inMinutes(server, 60) });
    assert.equal(nothing.status, 409);

    const foreign = await openBooking(owner, { location_id: 'other', start: inMinutes(server, 520), doctor_id: 'D-refuse' });
    // Not one of loc1's open times, so not to be held through loc1.
    const viaOwnLocation = await hold(server, foreign, { location_id: 'loc1' });
    assert.equal(viaOwnLocation.status, 409);
    assert.equal((viaOwnLocation.body as unknown as ErrorBody).reason, 'slot_taken');
    const viaItsLocation = await hold(server, foreign, { location_id: 'other' });
    assert.equal(viaItsLocation.status, 403);
    assert.equal((viaItsLocation.body as unknown as ErrorBody).reason, 'location_not_allowed');
    const unknown = await hold(server, foreign, { location_id: 'nowhere' });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as unknown as ErrorBody).reason, 'unknown_location');
    assert.equal(await bookingStatus(owner, foreign.id), 'open');
  });

  test('a hold body is checked field by field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /body must be a JSON object/],
      [{ booking_id: 'b', start_datetime: inMinutes(server, 60) }, /location_id/],
      [{ location_id: 'loc1', start_datetime: inMinutes(server, 60) }, /booking_id/],
      [{ location_id: 'loc1', booking_id: 'b', start_datetime: 'tomorrow' }, /start_datetime/],
      [{ location_id: 'loc1', booking_id: 'b', start_datetime: inMinutes(server, 60), extra: 1 }, /unknown field "extra"/],
    ];
    for (const [body, message] of cases) {
      const answer = await bff<ErrorBody>(server, '/holds', { body, from: patientAddress(40) });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.message, message);
    }
    const malformed = await bff<ErrorBody>(server, '/holds', { body: '{"location_id":', from: patientAddress(40) });
    assert.equal(malformed.status, 400);
  });
});

describe('two patients, one slot', () => {
  test('25 concurrent holds from 25 addresses: exactly one 201, the rest 409 slot_taken', async () => {
    const { server, owner } = await practiceServer();
    try {
      const booking = await openBooking(owner, { start: inMinutes(server, 60) });
      const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => hold(server, booking, { from: patientAddress(i + 1) })));
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [201, ...Array(24).fill(409)]);
      for (const lost of answers.filter((a) => a.status === 409)) {
        assert.deepEqual(lost.body, { status: 'conflict', reason: 'slot_taken', message: 'That time was just taken. Please pick another time.' });
      }
      assert.equal(await bookingStatus(owner, booking.id), 'pending');
    } finally {
      await server.close();
    }
  });

  test('20 concurrent holds of one weekly occurrence: exactly one stand-in booking', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-10-27T00:00:00.000Z', locations: [{ id: 'loc1', timezone: 'America/Denver' }] });
    try {
      const series = await openBooking(owner, { start: '2026-10-13T09:30:00-06:00', recurring: true, length: 60 });
      const week = { booking_id: series.id, start_datetime: '2026-11-03T09:30:00.000-07:00' };
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => hold(server, week, { from: patientAddress(i + 1) })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, ...Array(19).fill(409)]);
      const listed = await owner('GET', '/scheduling/locations/loc1/bookings?status=pending');
      assert.equal(listed.body.length, 1);
    } finally {
      await server.close();
    }
  });
});

describe('holding one week of a weekly booking', () => {
  test('a stand-in booking is held, then booked; the series stays open and offers the other weeks', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-10-27T00:00:00.000Z', locations: [{ id: 'loc1', timezone: 'America/Denver' }] });
    try {
      const series = await openBooking(owner, { start: '2026-10-13T09:30:00-06:00', recurring: true, length: 60 });
      const week = '2026-11-03T09:30:00.000-07:00'; // after the change to standard time
      const held = await hold(server, { booking_id: series.id, start_datetime: week });
      assert.equal(held.status, 201, held.text);
      assert.notEqual(held.body.booking_id, series.id, 'the hold is of a new booking standing in for that week');
      assert.equal(held.body.start_datetime, week);
      assert.equal(held.body.length, 60);

      const standIn = await owner('GET', `/scheduling/bookings/${held.body.booking_id}`);
      assert.deepEqual(
        { ...standIn.body, id: undefined },
        { id: undefined, location_id: 'loc1', doctor_id: 'DOC1', start_datetime: week, length: 60, status: 'pending', recurring: false },
      );
      assert.equal(await bookingStatus(owner, series.id), 'open');

      const during = await schedule(server, 'loc1', 21);
      assert.deepEqual(
        during.body.locations[0].slots.map((s) => [s.booking_id, s.start_datetime]),
        [
          [series.id, '2026-10-27T09:30:00.000-06:00'],
          [series.id, '2026-11-10T09:30:00.000-07:00'],
        ],
      );

      const booked = await confirm(server, held.body.hold_token);
      assert.equal(booked.status, 200, booked.text);
      assert.equal((booked.body as ConfirmResponse).booking_id, held.body.booking_id);
      assert.equal(await bookingStatus(owner, held.body.booking_id), 'booked');
      assert.equal(await bookingStatus(owner, series.id), 'open');
      assert.deepEqual((await owner('GET', `/scheduling/bookings/${held.body.booking_id}/patient`)).body, PATIENT);

      const afterwards = await schedule(server, 'loc1', 21);
      assert.deepEqual(
        afterwards.body.locations[0].slots.map((s) => s.start_datetime),
        ['2026-10-27T09:30:00.000-06:00', '2026-11-10T09:30:00.000-07:00'],
      );
      // Another week of the same series can still be held.
      const next = await hold(server, { booking_id: series.id, start_datetime: '2026-11-10T09:30:00.000-07:00' }, { from: patientAddress(9) });
      assert.equal(next.status, 201);
      // A time that is not one of the series' weeks is not offered, so cannot be held.
      const off = await hold(server, { booking_id: series.id, start_datetime: '2026-11-17T10:30:00.000-07:00' }, { from: patientAddress(10) });
      assert.equal(off.status, 409);
      assert.equal((off.body as unknown as ErrorBody).reason, 'slot_taken');
    } finally {
      await server.close();
    }
  });

  test('a released or lapsed week goes back to the series: the stand-in closes and the week is offered again', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-10-20T00:00:00.000Z', locations: [{ id: 'loc1', timezone: 'Europe/Berlin' }] });
    try {
      const series = await openBooking(owner, { start: '2026-10-06T10:00:00+02:00', recurring: true });
      const week = { booking_id: series.id, start_datetime: '2026-10-27T10:00:00.000+01:00' };
      const offered = async () =>
        (await schedule(server, 'loc1', 21)).body.locations[0].slots.filter((s) => s.start_datetime === week.start_datetime).map((s) => s.booking_id);

      const first = await hold(server, week);
      assert.equal(first.status, 201);
      assert.deepEqual(await offered(), []);
      assert.equal((await release(server, first.body.hold_token)).status, 200);
      assert.equal(await bookingStatus(owner, first.body.booking_id), 'closed');
      assert.deepEqual(await offered(), [series.id], 'once, by the series');

      const second = await hold(server, week, { from: patientAddress(2) });
      assert.equal(second.status, 201);
      assert.notEqual(second.body.booking_id, first.body.booking_id, 'a new stand-in');
      // The first patient's stale token no longer touches the second patient's hold.
      assert.deepEqual((await release(server, first.body.hold_token)).body, { status: 'released' });
      assert.equal(await bookingStatus(owner, second.body.booking_id), 'pending');

      server.clock.advance(10 * MINUTE + 1000);
      assert.deepEqual(await offered(), [series.id], 'lapsed: the series offers it again');
      assert.equal(await bookingStatus(owner, second.body.booking_id), 'closed');
      assert.equal((await confirm(server, second.body.hold_token)).status, 410);
    } finally {
      await server.close();
    }
  });
});

describe('expiry', () => {
  test('after its 3 minutes a first hold that was not extended is open again in the API and back in the schedule; confirm is 410', async () => {
    const { server, owner } = await practiceServer();
    try {
      const booking = await openBooking(owner, { start: inMinutes(server, 120) });
      const { body: held } = await hold(server, booking);
      server.clock.advance(2 * MINUTE);
      await schedule(server);
      assert.equal(await bookingStatus(owner, booking.id), 'pending');
      server.clock.advance(MINUTE + 1000);
      // The BFF lets it go upstream on its next request, long before the API's own 10 minutes.
      await schedule(server);
      assert.equal(await bookingStatus(owner, booking.id), 'open');
      const list = await schedule(server);
      assert.ok(list.body.locations[0].slots.some((s) => s.booking_id === booking.id));
      const late = await confirm(server, held.hold_token);
      assert.equal(late.status, 410);
      assert.deepEqual(late.body, { status: 'gone', reason: 'hold_expired', message: 'This hold has expired. Please pick a time again.' });
      assert.equal((await release(server, held.hold_token)).status, 200);
      // The expired hold no longer counts against the patient's limit, and someone else may hold it.
      assert.equal((await hold(server, booking, { from: patientAddress(7) })).status, 201);
    } finally {
      await server.close();
    }
  });

  test('across a restart: the expiry is in the database', async () => {
    const { server, owner } = await practiceServer();
    const booking = await openBooking(owner, { start: inMinutes(server, 120) });
    const { body: held } = await hold(server, booking);
    await server.close();

    const restarted = await startServer({ databasePath: server.databasePath });
    try {
      restarted.clock.now = server.clock.now + 10 * MINUTE + 1000;
      const reader = await addClient(restarted, { id: 'reader', scopes: ['scheduling:read'], practices: '*' });
      const read = api(restarted.url, await getToken(restarted.url, reader));
      const list = await schedule(restarted);
      assert.ok(list.body.locations[0].slots.some((s) => s.booking_id === booking.id), 'back in the schedule');
      assert.equal((await read('GET', `/scheduling/bookings/${booking.id}`)).body.status, 'open');
      assert.equal((await restarted.thread.store.holds.get(sha256(held.hold_token)))?.state, 'released', 'swept by the BFF too');
      assert.equal((await confirm(restarted, held.hold_token)).status, 410);
    } finally {
      await restarted.close();
    }
  });
});

describe('sign-up checks on confirm', () => {
  let server: TestServer;
  let owner: ApiCall;
  let token: string;
  let bookingId: string;
  before(async () => {
    ({ server, owner } = await practiceServer({ clockAt: '2026-05-04T15:00:00.000Z' }));
    const booking = await openBooking(owner, { start: inMinutes(server, 120) });
    bookingId = booking.id;
    token = (await hold(server, booking)).body.hold_token;
  });
  after(() => server.close());

  const cases: Array<[string, Record<string, unknown>, Record<string, string>]> = [
    ['every field missing', {}, { first_name: 'required', last_name: 'required', email: 'required', phone: 'required', date_of_birth: 'required' }],
    ['blank fields', { ...PATIENT, first_name: '   ', phone: '' }, { first_name: 'required', phone: 'required' }],
    [
      'malformed fields',
      { first_name: '42', last_name: '<b>', email: 'zq-not-an-email', phone: 'call me', date_of_birth: '1990-02-30' },
      { first_name: 'invalid', last_name: 'invalid', email: 'invalid', phone: 'invalid', date_of_birth: 'invalid' },
    ],
    ['wrong types', { ...PATIENT, phone: 5550132468, email: ['a@b.co'] }, { phone: 'invalid', email: 'invalid' }],
    [
      'too long',
      { ...PATIENT, first_name: 'A'.repeat(101), last_name: 'B'.repeat(101), email: `${'c'.repeat(250)}@x.org`, phone: '1'.repeat(33), date_of_birth: '1990-01-011' },
      { first_name: 'too_long', last_name: 'too_long', email: 'too_long', phone: 'too_long', date_of_birth: 'too_long' },
    ],
    ['a date of birth tomorrow', { ...PATIENT, date_of_birth: '2026-05-05' }, { date_of_birth: 'in_future' }],
    ['a date of birth too long ago', { ...PATIENT, date_of_birth: '1890-01-01' }, { date_of_birth: 'too_old' }],
  ];
  for (const [name, patient, fields] of cases) {
    test(`${name}: 400 invalid_fields naming each field, echoing no value`, async () => {
      const answer = await confirm(server, token, patient);
      assert.equal(answer.status, 400, answer.text);
      const body = answer.body as ErrorBody;
      assert.equal(body.status, 'bad_request');
      assert.equal(body.reason, 'invalid_fields');
      assert.deepEqual(body.fields, fields);
      for (const field of Object.keys(fields)) assert.match(body.message, new RegExp(field.replace(/_/g, ' ')));
      for (const value of Object.values(patient)) {
        if (typeof value === 'string' && value.trim().length > 2) assert.ok(!answer.text.includes(value), `echoed ${value}`);
      }
    });
  }

  test('unknown patient fields and a missing patient are 400 naming the field', async () => {
    const extra = await confirm(server, token, { ...PATIENT, ssn: '078-05-1120' });
    assert.equal(extra.status, 400);
    assert.match((extra.body as ErrorBody).message, /unknown field "ssn"/);
    assert.ok(!extra.text.includes('078-05-1120'));
    const none = await bff<ErrorBody>(server, '/holds/confirm', { body: { hold_token: token } });
    assert.equal(none.status, 400);
    assert.match(none.body.message, /patient is required/);
  });

  test('after the problems are fixed the same hold books', async () => {
    assert.equal(await bookingStatus(owner, bookingId), 'pending');
    const answer = await confirm(server, token, PATIENT);
    assert.equal(answer.status, 200);
  });
});

describe('abuse limits', () => {
  test('the honeypot: a filled-in website field is 400 without saying why', async () => {
    const { server, owner } = await practiceServer();
    try {
      const booking = await openBooking(owner, { start: inMinutes(server, 120) });
      const bot = await hold(server, booking, { website: 'https://spam.example' });
      assert.equal(bot.status, 400);
      assert.deepEqual(bot.body, { status: 'bad_request', message: 'This request could not be accepted.' });
      assert.equal(await bookingStatus(owner, booking.id), 'open');

      const { body: held } = await hold(server, booking);
      const botConfirm = await bff(server, '/holds/confirm', { body: { hold_token: held.hold_token, patient: PATIENT, website: 'x' } });
      assert.equal(botConfirm.status, 400);
      assert.ok(!/website|honeypot/i.test(botConfirm.text));
      assert.equal(await bookingStatus(owner, booking.id), 'pending');
    } finally {
      await server.close();
    }
  });

  test('at most 3 active holds per address: the 4th is 429 too_many_holds until one is released', async () => {
    const { server, owner } = await practiceServer();
    try {
      const bookings = await Promise.all(Array.from({ length: 20 }, (_, h) => openBooking(owner, { start: inMinutes(server, (h + 1) * 60) })));
      const me = patientAddress(11);
      const held: HoldResponse[] = [];
      for (const booking of bookings.slice(0, 3)) {
        const answer = await hold(server, booking, { from: me });
        assert.equal(answer.status, 201);
        held.push(answer.body);
      }
      const fourth = await hold(server, bookings[3], { from: me });
      assert.equal(fourth.status, 429);
      assert.equal((fourth.body as unknown as ErrorBody).reason, 'too_many_holds');
      assert.equal((fourth.body as unknown as ErrorBody).status, 'too_many_requests');
      assert.equal(await bookingStatus(owner, bookings[3].id), 'open');
      assert.equal((await hold(server, bookings[3], { from: patientAddress(12) })).status, 201, 'another address is not limited');
      await release(server, held[0].hold_token);
      assert.equal((await hold(server, bookings[0], { from: me })).status, 201);
    } finally {
      await server.close();
    }
  });

  test('at most 3 active holds per address also when they arrive at once', async () => {
    const { server, owner } = await practiceServer();
    try {
      const bookings = await Promise.all(Array.from({ length: 20 }, (_, h) => openBooking(owner, { start: inMinutes(server, (h + 1) * 60) })));
      const answers = await Promise.all(bookings.slice(0, 6).map((b) => hold(server, b, { from: patientAddress(13) })));
      // Each hold the network has makes the next one's proof of work dearer, so those that were
      // solved at once for the cheaper price are refused (proof_too_weak) or over the limit (429).
      const held = answers.filter((a) => a.status === 201).length;
      assert.ok(held >= 1 && held <= 3, `${held} held`);
      for (const refused of answers.filter((a) => a.status !== 201)) {
        assert.ok([403, 429].includes(refused.status), refused.text);
        assert.ok(['proof_too_weak', 'too_many_holds'].includes((refused.body as unknown as ErrorBody).reason!), refused.text);
      }
      // One after the other, each with a fresh challenge: exactly 3.
      const more = [];
      for (const b of bookings.slice(6, 10)) more.push((await hold(server, b, { from: patientAddress(13) })).status);
      assert.equal(more.filter((s) => s === 201).length, 3 - held);
    } finally {
      await server.close();
    }
  });

  test('20 hold attempts a minute per address, then 429 rate_limited with Retry-After', async () => {
    const { server } = await practiceServer();
    try {
      const me = patientAddress(21);
      for (let i = 0; i < 20; i += 1) {
        const answer = await bff(server, '/holds', { body: { location_id: 'loc1' }, from: me });
        assert.equal(answer.status, 400);
      }
      server.clock.advance(30_000);
      const limited = await bff<ErrorBody>(server, '/holds', { body: { location_id: 'loc1' }, from: me });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.reason, 'rate_limited');
      assert.equal(limited.headers['retry-after'], '30');
      assert.equal(limited.headers['access-control-allow-origin'], SITE);
      assert.equal((await bff(server, '/holds', { body: { location_id: 'loc1' }, from: patientAddress(22) })).status, 400, 'others go on');
      server.clock.advance(30_001);
      assert.equal((await bff(server, '/holds', { body: { location_id: 'loc1' }, from: me })).status, 400, 'allowed again');
    } finally {
      await server.close();
    }
  });

  test('10 confirm attempts a minute per address, then 429 rate_limited with Retry-After', async () => {
    const { server } = await practiceServer();
    try {
      const me = patientAddress(31);
      for (let i = 0; i < 10; i += 1) assert.equal((await confirm(server, 'guess-' + i, PATIENT, { from: me })).status, 404);
      const limited = await confirm(server, 'guess-10', PATIENT, { from: me });
      assert.equal(limited.status, 429);
      assert.equal((limited.body as ErrorBody).reason, 'rate_limited');
      assert.equal(limited.headers['retry-after'], '60');
    } finally {
      await server.close();
    }
  });
});

describe('what is never logged', () => {
  test('no patient data and no hold token in the logs', async () => {
    const { server, owner } = await practiceServer();
    try {
      const booking = await openBooking(owner, { start: inMinutes(server, 120) });
      const { body: held } = await hold(server, booking);
      await confirm(server, held.hold_token, { ...PATIENT, email: 'broken@' });
      await confirm(server, held.hold_token, PATIENT);
      const logs = server.logs.join('\n');
      assert.ok(server.logs.length > 5);
      for (const value of [...Object.values(PATIENT), 'broken@', held.hold_token]) assert.ok(!logs.includes(value), `logged: ${value}`);
    } finally {
      await server.close();
    }
  });
});
