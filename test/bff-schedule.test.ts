// GET /bff/v1/schedule: slots, weekly occurrences across daylight-saving changes, sites,
// CORS and location checks, against a real server and database.
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { ErrorBody, ScheduleResponse } from '../shared/types.js';
import { SITE, bff, inMinutes, openBooking, practiceServer, schedule, type ApiCall } from './bff-helpers.js';
import { SCHEDULE_CACHE_MS } from '../server/bff/limits.js';
import type { TestServer } from './helpers/server.js';

describe('schedule', () => {
  let server: TestServer;
  let owner: ApiCall;
  before(async () => {
    ({ server, owner } = await practiceServer({
      clockAt: '2026-03-02T15:00:00.000Z',
      locations: [
        { id: 'loc1', timezone: 'America/Chicago', name: 'Springfield' },
        { id: 'loc2', timezone: 'America/Denver', name: 'Lafayette' },
      ],
    }));
  });
  after(() => server.close());

  test('one request returns each location, in the order named, with its open slots ordered by start', async () => {
    const late = await openBooking(owner, { start: inMinutes(server, 3 * 24 * 60) });
    const early = await openBooking(owner, { start: inMinutes(server, 60), doctor_id: 'DOC2' });
    const elsewhere = await openBooking(owner, { location_id: 'loc2', start: inMinutes(server, 120) });
    await openBooking(owner, { start: inMinutes(server, 90), status: 'pending' });
    await openBooking(owner, { start: inMinutes(server, 150), status: 'booked' });
    await openBooking(owner, { start: inMinutes(server, -30) }); // already begun: in the past
    await openBooking(owner, { start: inMinutes(server, 15 * 24 * 60) }); // past the 14 days

    const answer = await schedule(server, 'loc2,loc1');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(answer.headers['cache-control'], 'no-store');
    const body = answer.body;
    assert.equal(body.from, '2026-03-02T15:00:00.000Z');
    assert.equal(body.to, '2026-03-16T15:00:00.000Z');
    assert.deepEqual(
      body.locations.map((l) => l.id),
      ['loc2', 'loc1'],
    );
    const [loc2, loc1] = body.locations;
    assert.deepEqual(
      { ...loc1, slots: undefined },
      {
        id: 'loc1',
        name: 'Springfield',
        timezone: 'America/Chicago',
        website: '',
        street_address: '1 Main St',
        secondary_address: '',
        city: 'Springfield',
        state: 'IL',
        zip: '62701',
        slots: undefined,
      },
    );
    assert.equal(loc2.timezone, 'America/Denver');
    assert.deepEqual(loc2.slots, [{ booking_id: elsewhere.id, start_datetime: elsewhere.start_datetime, length: 30, doctor_id: 'DOC1' }]);
    assert.deepEqual(
      loc1.slots.map((s) => s.booking_id),
      [early.id, late.id],
    );
    assert.deepEqual(loc1.slots[0], { booking_id: early.id, start_datetime: early.start_datetime, length: 30, doctor_id: 'DOC2' });
  });

  test('gzipped for a browser that takes it, plain otherwise; a kept answer keeps its encoding', async () => {
    for (let day = 1; day <= 12; day += 1) await openBooking(owner, { start: inMinutes(server, day * 24 * 60 + 30) });
    server.clock.advance(SCHEDULE_CACHE_MS); // bookings made through the API show once the last read is this old
    /** The raw answer, as a browser gets it before decoding. */
    const raw = (acceptEncoding?: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const headers: Record<string, string> = { origin: SITE };
        if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
        http
          .get(`${server.url}/bff/v1/schedule?location_ids=loc1,loc2&days=14`, { headers, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
    const plain = await raw();
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers.vary), /Origin/);
    assert.match(String(plain.headers.vary), /Accept-Encoding/);
    const json = JSON.parse(plain.body.toString('utf8')) as ScheduleResponse;
    assert.ok(plain.body.length > 1024, `a first screen of 12 times is over 1 KB (${plain.body.length} bytes)`);

    for (const browser of ['gzip, deflate, br, zstd', 'br;q=1.0, gzip;q=0.8', '*']) {
      const zipped = await raw(browser);
      assert.equal(zipped.headers['content-encoding'], 'gzip', browser);
      assert.equal(zipped.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
      assert.ok(zipped.body.length < plain.body.length / 3, `${zipped.body.length} bytes gzipped of ${plain.body.length}`);
      assert.deepEqual((JSON.parse(gunzipSync(zipped.body).toString('utf8')) as ScheduleResponse).locations, json.locations);
    }
    // Asked again (a kept answer, given before Koa): each client still gets the encoding it takes.
    assert.equal((await raw('gzip')).headers['content-encoding'], 'gzip');
    const again = await raw();
    assert.equal(again.headers['content-encoding'], undefined);
    assert.deepEqual((JSON.parse(again.body.toString('utf8')) as ScheduleResponse).locations, json.locations);
    for (const refused of ['gzip;q=0', 'identity', 'br']) assert.equal((await raw(refused)).headers['content-encoding'], undefined, refused);
  });

  test('days defaults to 14 and may be 1..60', async () => {
    const answer = await bff<ScheduleResponse>(server, '/schedule?location_ids=loc1');
    assert.equal(answer.status, 200);
    assert.equal(Date.parse(answer.body.to) - Date.parse(answer.body.from), 14 * 86_400_000);
    const sixty = await schedule(server, 'loc1', 60);
    assert.equal(Date.parse(sixty.body.to) - Date.parse(sixty.body.from), 60 * 86_400_000);
    const one = await schedule(server, 'loc1', 1);
    assert.ok(one.body.locations[0].slots.every((s) => Date.parse(s.start_datetime) < Date.parse(one.body.to)));
  });

  test('a bad query is 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['', /location_ids is required/],
      ['?location_ids=', /location_ids is required/],
      ['?location_ids=loc1&days=0', /days must be a whole number from 1 to 60/],
      ['?location_ids=loc1&days=61', /days must be a whole number from 1 to 60/],
      ['?location_ids=loc1&days=two', /days/],
      ['?location_ids=a%20b', /location_ids must be an id/],
      ['?location_ids=loc1,,loc2', /location_ids must be an id/],
      [`?location_ids=${Array.from({ length: 11 }, (_, i) => `l${i}`).join(',')}`, /at most 10 locations/],
      ['?location_ids=loc1&location_ids=loc2', /location_ids may be given once/],
      ['?location_ids=loc1&color=red', /unknown query parameter "color"/],
    ];
    for (const [query, message] of cases) {
      const answer = await bff<ErrorBody>(server, `/schedule${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.status, 'bad_request');
      assert.match(answer.body.message, message, query);
      assert.equal(answer.headers['access-control-allow-origin'], SITE, 'errors carry CORS headers');
    }
  });

  test('a location of another practice is 403 location_not_allowed; an unknown one 404 unknown_location', async () => {
    const foreign = await schedule(server, 'loc1,other');
    assert.equal(foreign.status, 403);
    assert.equal((foreign.body as unknown as ErrorBody).reason, 'location_not_allowed');
    assert.match((foreign.body as unknown as ErrorBody).message, /"other"/);
    assert.equal(foreign.headers['access-control-allow-origin'], SITE);

    const unknown = await schedule(server, 'loc1,nowhere');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as unknown as ErrorBody).reason, 'unknown_location');
    assert.equal((unknown.body as unknown as ErrorBody).status, 'not_found');
  });
});

describe('sites and CORS', () => {
  let server: TestServer;
  before(async () => {
    ({ server } = await practiceServer());
  });
  after(() => server.close());

  test('a registered origin is echoed exactly, with Vary: Origin and never credentials', async () => {
    const answer = await schedule(server);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['access-control-allow-origin'], SITE);
    assert.match(String(answer.headers.vary), /Origin/);
    assert.equal(answer.headers['access-control-allow-credentials'], undefined);
    assert.equal(answer.headers['access-control-expose-headers'], 'Retry-After');
  });

  test('an unregistered origin is 403 site_not_registered, readable by the page, naming the origin and the command', async () => {
    const stranger = 'https://stranger.example:8443';
    const answer = await schedule(server, 'loc1', 14, { origin: stranger });
    assert.equal(answer.status, 403);
    const body = answer.body as unknown as ErrorBody;
    assert.equal(body.status, 'unauthorized');
    assert.equal(body.reason, 'site_not_registered');
    assert.match(body.message, /https:\/\/stranger\.example:8443/);
    assert.match(body.message, /thread sites create --origin https:\/\/stranger\.example:8443 --practice/);
    assert.equal(answer.headers['access-control-allow-origin'], stranger);
    assert.match(String(answer.headers.vary), /Origin/);

    for (const path of ['/holds', '/holds/release', '/holds/confirm']) {
      const post = await bff<ErrorBody>(server, path, { origin: stranger, body: { hold_token: 'x' } });
      assert.equal(post.status, 403, path);
      assert.equal(post.body.reason, 'site_not_registered');
    }
  });

  test('an opaque origin ("null") is refused without being echoed', async () => {
    const answer = await schedule(server, 'loc1', 14, { origin: 'null' });
    assert.equal(answer.status, 403);
    assert.equal((answer.body as unknown as ErrorBody).reason, 'site_not_registered');
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
  });

  test('preflight: GET and POST, content-type, cached 600 s, for a registered site', async () => {
    const answer = await bff(server, '/holds', {
      method: 'OPTIONS',
      origin: SITE,
      headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers['access-control-allow-origin'], SITE);
    assert.equal(answer.headers['access-control-allow-methods'], 'GET, POST');
    assert.equal(answer.headers['access-control-allow-headers'], 'content-type');
    assert.equal(answer.headers['access-control-max-age'], '600');
    assert.equal(answer.headers['access-control-allow-credentials'], undefined);
    assert.match(String(answer.headers.vary), /Origin/);
  });

  test('a preflight from an unregistered origin is refused, without any CORS header; its GET still reads the 403', async () => {
    for (const path of ['/holds', '/holds/confirm', '/holds/release', '/schedule']) {
      const answer = await bff(server, path, {
        method: 'OPTIONS',
        origin: 'https://stranger.example',
        headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(answer.status, 403, path);
      assert.equal((answer.body as ErrorBody).reason, 'site_not_registered');
      for (const name of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age']) {
        assert.equal(answer.headers[name], undefined, `${path}: ${name}`);
      }
    }
    // The widget on that page learns why from the schedule, a simple GET whose answer it may read.
    const read = await schedule(server, 'loc1', 14, { origin: 'https://stranger.example' });
    assert.equal(read.status, 403);
    assert.equal(read.headers['access-control-allow-origin'], 'https://stranger.example');
    assert.match((read.body as unknown as ErrorBody).message, /thread sites create --origin https:\/\/stranger\.example/);
  });

  test('no Origin header (the demo page asking its own server) counts as the public URL', async () => {
    const unregistered = await schedule(server, 'loc1', 14, { origin: null });
    assert.equal(unregistered.status, 403);
    assert.match((unregistered.body as unknown as ErrorBody).message, new RegExp(server.url.replace(/[.]/g, '\\.')));
    assert.equal(unregistered.headers['access-control-allow-origin'], undefined);

    await server.thread.store.directory.createSite({ origin: server.url, practice_id: 'P1' }, Date.now());
    const own = await schedule(server, 'loc1', 14, { origin: null });
    assert.equal(own.status, 200);
    assert.equal(own.headers['access-control-allow-origin'], undefined);
  });
});

describe('weekly bookings across daylight-saving changes', () => {
  test('Europe/Berlin (change 2026-10-25): every week at 10:00 local, +02:00 then +01:00', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-10-20T00:00:00.000Z', locations: [{ id: 'loc1', timezone: 'Europe/Berlin' }] });
    try {
      const series = await openBooking(owner, { start: '2026-10-06T10:00:00+02:00', recurring: true, length: 45 });
      const answer = await schedule(server, 'loc1', 21);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.locations[0].slots, [
        { booking_id: series.id, start_datetime: '2026-10-20T10:00:00.000+02:00', length: 45, doctor_id: 'DOC1' },
        { booking_id: series.id, start_datetime: '2026-10-27T10:00:00.000+01:00', length: 45, doctor_id: 'DOC1' },
        { booking_id: series.id, start_datetime: '2026-11-03T10:00:00.000+01:00', length: 45, doctor_id: 'DOC1' },
      ]);
      // The same wall-clock hour is a different UTC hour on each side of the change.
      assert.deepEqual(
        answer.body.locations[0].slots.map((s) => new Date(s.start_datetime).toISOString().slice(11, 16)),
        ['08:00', '09:00', '09:00'],
      );
    } finally {
      await server.close();
    }
  });

  test('America/Denver (change 2026-11-01): every week at 09:30 local, -06:00 then -07:00', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-10-27T00:00:00.000Z', locations: [{ id: 'loc1', timezone: 'America/Denver' }] });
    try {
      const series = await openBooking(owner, { start: '2026-10-13T09:30:00-06:00', recurring: true, length: 60 });
      const answer = await schedule(server, 'loc1', 21);
      assert.deepEqual(
        answer.body.locations[0].slots.map((s) => [s.booking_id, s.start_datetime]),
        [
          [series.id, '2026-10-27T09:30:00.000-06:00'],
          [series.id, '2026-11-03T09:30:00.000-07:00'],
          [series.id, '2026-11-10T09:30:00.000-07:00'],
        ],
      );
    } finally {
      await server.close();
    }
  });

  test('a week a one-off booking of the same doctor overlaps is not offered; another doctor does not matter', async () => {
    const { server, owner } = await practiceServer({ clockAt: '2026-10-27T00:00:00.000Z', locations: [{ id: 'loc1', timezone: 'America/Denver' }] });
    try {
      const series = await openBooking(owner, { start: '2026-10-13T09:30:00-06:00', recurring: true, length: 60, doctor_id: 'DOC1' });
      // Not overlapping the series' weeks (the API would refuse): the series is created first,
      // so these one-offs are the weeks' own bookings only if they avoid its time.
      const other = await openBooking(owner, { start: '2026-11-03T09:30:00-07:00', doctor_id: 'DOC2', length: 60 });
      const answer = await schedule(server, 'loc1', 21);
      const slots = answer.body.locations[0].slots.map((s) => [s.booking_id, s.start_datetime]);
      assert.deepEqual(slots, [
        [series.id, '2026-10-27T09:30:00.000-06:00'],
        [series.id, '2026-11-03T09:30:00.000-07:00'],
        [other.id, '2026-11-03T09:30:00.000-07:00'],
        [series.id, '2026-11-10T09:30:00.000-07:00'],
      ].sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]) || a[0].localeCompare(b[0])));

      // A booked one-off of the same doctor overlapping the 10 November week, made by the
      // practice through the series' own week (the API's way of taking one week of a series).
      const taken = await owner('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: '2026-11-10T09:30:00-07:00' });
      assert.equal(taken.status, 201, JSON.stringify(taken.body));
      server.clock.advance(SCHEDULE_CACHE_MS); // a change made outside the BFF shows once its last read is this old
      const after = await schedule(server, 'loc1', 21);
      assert.ok(!after.body.locations[0].slots.some((s) => s.start_datetime === '2026-11-10T09:30:00.000-07:00'));
      assert.ok(after.body.locations[0].slots.some((s) => s.start_datetime === '2026-10-27T09:30:00.000-06:00' && s.booking_id === series.id));
    } finally {
      await server.close();
    }
  });
});

describe('schedule as time moves on', () => {
  test('a slot leaves as it starts, and one comes in at the far end, also while a recent read is reused', async () => {
    assert.ok(SCHEDULE_CACHE_MS > 1_001, 'this test moves the clock less than a read is reused');
    const { server, owner } = await practiceServer({ clockAt: '2026-03-02T15:00:00.000Z' });
    try {
      const soon = await openBooking(owner, { start: '2026-03-02T15:00:01.000Z' });
      const later = await openBooking(owner, { start: '2026-03-03T15:00:01.000Z', doctor_id: 'DOC2' }); // just past one day
      const ids = async () => (await schedule(server, 'loc1', 1)).body.locations[0].slots.map((s) => s.booking_id);

      assert.deepEqual(await ids(), [soon.id]);
      assert.deepEqual(await ids(), [soon.id]); // the same answer again
      server.clock.advance(1_000); // `soon` starts now: still in the window [now, now + 1 day)
      assert.deepEqual(await ids(), [soon.id]);
      server.clock.advance(1); // `soon` has begun, and `later` is now inside the day
      assert.deepEqual(await ids(), [later.id]);
    } finally {
      await server.close();
    }
  });
});
