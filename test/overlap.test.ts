// The overlap rule for one doctor (CONTRACT section 4): live bookings of a doctor may not overlap; weekly
// bookings block their weekly time at the same wall-clock time in their location's zone, across
// daylight-saving changes (America/Denver: 2031-03-09 springs forward, 2031-11-02 falls back).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addClients, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let owner: ReturnType<typeof api>;
let booker: ReturnType<typeof api>;
let seq = 0;
/** A doctor of this test alone. */
const doctor = () => `dr-${++seq}`;

before(async () => {
  server = await startServer();
  // Bookings here are in 2031 and 2032: the server's clock is set where they lie within the API's horizon.
  server.clock.now = Date.parse('2030-12-01T00:00:00.000Z');
  await addPractice(server, { id: 'p1' }, [
    { id: 'denver', timezone: 'America/Denver' },
    { id: 'chicago', timezone: 'America/Chicago' },
    { id: 'phoenix', timezone: 'America/Phoenix' },
    { id: 'tokyo', timezone: 'Asia/Tokyo' },
  ]);
  const clients = await addClients(server, [
    { id: 'owner', scopes: ['scheduling:read', 'scheduling:write'], practices: ['p1'] },
    { id: 'booker', scopes: ['scheduling:read', 'scheduling:book'], practices: ['p1'] },
  ]);
  [owner, booker] = await Promise.all(clients.map(async (c) => api(server.url, await getToken(server.url, c))));
});
after(() => server.close());

function post(doctor_id: string, start: string, fields: Record<string, unknown> = {}) {
  return owner('POST', '/scheduling/bookings', { start, doctor_id, location_id: 'denver', status: 'open', length: 60, ...fields });
}

async function created(doctor_id: string, start: string, fields: Record<string, unknown> = {}) {
  const response = await post(doctor_id, start, fields);
  assert.equal(response.status, 201, `${start}: ${JSON.stringify(response.body)}`);
  return response.body as { id: string; start_datetime: string };
}

async function conflict(doctor_id: string, start: string, fields: Record<string, unknown> = {}) {
  const response = await post(doctor_id, start, fields);
  assert.equal(response.status, 409, `${start} ${JSON.stringify(fields)} should overlap: ${response.status} ${JSON.stringify(response.body)}`);
  assert.equal(response.body.status, 'conflict');
  assert.equal(typeof response.body.message, 'string');
}

describe('one-off bookings of one doctor', () => {
  test('overlapping ones are 409; touching at an edge is fine', async () => {
    const d = doctor();
    await created(d, '2031-01-06T10:00:00.000-07:00');
    await conflict(d, '2031-01-06T10:30:00.000-07:00');
    await conflict(d, '2031-01-06T09:30:00.000-07:00');
    await conflict(d, '2031-01-06T10:00:00.000-07:00');
    await conflict(d, '2031-01-06T10:15:00.000-07:00', { length: 15 });
    await conflict(d, '2031-01-06T09:00:00.000-07:00', { length: 180 });
    await conflict(d, '2031-01-06T10:59:00.000-07:00', { length: 5 });
    await conflict(d, '2031-01-06T12:30:00.000-04:00', { length: 60 }); // 16:30Z-17:30Z against 17:00Z-18:00Z
    await created(d, '2031-01-06T09:00:00.000-07:00'); // ends as the first starts
    await created(d, '2031-01-06T11:00:00.000-07:00'); // starts as the first ends
    await created(d, '2031-01-06T19:00:00.000Z'); // 12:00 in Denver, after 11:00-12:00 ends
  });

  test('other doctors at the same time are fine; the same doctor at another location is not', async () => {
    const d = doctor();
    await created(d, '2031-01-07T10:00:00.000-07:00');
    await created(doctor(), '2031-01-07T10:00:00.000-07:00');
    await created(doctor(), '2031-01-07T10:00:00.000-07:00', { location_id: 'chicago' });
    await conflict(d, '2031-01-07T11:30:00.000-06:00', { location_id: 'chicago' });
  });

  test('every live status blocks; a closed (deleted) booking does not', async () => {
    const d = doctor();
    for (const [i, status] of ['open', 'pending', 'booked'].entries()) {
      const at = `2031-01-${String(8 + i).padStart(2, '0')}T10:00:00.000-07:00`;
      await created(d, at, { status });
      await conflict(d, at);
    }
    const gone = await created(d, '2031-01-12T10:00:00.000-07:00');
    assert.equal((await owner('DELETE', `/scheduling/bookings/${gone.id}`)).status, 200);
    await created(d, '2031-01-12T10:30:00.000-07:00');
  });

  test('moving or lengthening a booking onto another is 409 too, and changes nothing', async () => {
    const d = doctor();
    await created(d, '2031-01-13T10:00:00.000-07:00');
    const later = await created(d, '2031-01-13T12:00:00.000-07:00');
    const moved = await owner('PUT', `/scheduling/bookings/${later.id}`, { start: '2031-01-13T10:30:00.000-07:00' });
    assert.equal(moved.status, 409);
    assert.equal(moved.body.status, 'conflict');
    const longer = await created(d, '2031-01-13T08:00:00.000-07:00');
    assert.equal((await owner('PUT', `/scheduling/bookings/${longer.id}`, { length: 121 })).status, 409);
    assert.equal((await owner('PUT', `/scheduling/bookings/${longer.id}`, { length: 120 })).status, 200, 'up to the edge is fine');
    const other = await created(doctor(), '2031-01-13T10:00:00.000-07:00');
    assert.equal((await owner('PUT', `/scheduling/bookings/${other.id}`, { doctor_id: d })).status, 409, 'giving it to a busy doctor');
    assert.equal((await owner('GET', `/scheduling/bookings/${later.id}`)).body.start_datetime, '2031-01-13T12:00:00.000-07:00');
  });

  test('a deleted booking cannot come back onto a time taken meanwhile', async () => {
    const d = doctor();
    const first = await created(d, '2031-01-14T10:00:00.000-07:00');
    await owner('DELETE', `/scheduling/bookings/${first.id}`);
    await created(d, '2031-01-14T10:00:00.000-07:00');
    const revived = await owner('PUT', `/scheduling/bookings/${first.id}`, { status: 'open' });
    assert.equal(revived.status, 409);
  });
});

describe('weekly bookings block their weekly time, in the location\'s zone', () => {
  // Mondays at 10:00 in Denver: 17:00Z in winter (MST, -07:00), 16:00Z in summer (MDT, -06:00).
  test('across the spring change, the weekly time stays 10:00 local: a one-off then is 409, one at the naive 7x24h instant is not', async () => {
    const d = doctor();
    await created(d, '2031-03-03T10:00:00.000-07:00', { recurring: true });
    await conflict(d, '2031-03-24T10:00:00.000-06:00'); // three weeks on, after the change: 16:00Z
    await conflict(d, '2031-03-24T16:30:00.000Z', { length: 15 });
    await conflict(d, '2031-03-03T10:30:00.000-07:00'); // its first week
    await conflict(d, '2031-03-10T10:00:00.000-06:00'); // the first week after the change
    await conflict(d, '2031-09-15T10:00:00.000-06:00'); // months on
    await conflict(d, '2032-01-05T10:00:00.000-07:00', { length: 120, start: '2032-01-05T09:00:00.000-07:00' });
    // 2031-03-03T17:00Z + 21 x 24 h = 2031-03-24T17:00Z, 11:00 MDT: right after the real weekly time.
    await created(d, '2031-03-24T17:00:00.000Z');
    await created(d, '2031-03-24T09:00:00.000-06:00'); // right before it
    await created(d, '2031-02-24T10:00:00.000-07:00'); // the week before the series starts
    await created(d, '2031-03-25T10:00:00.000-06:00'); // Tuesday
  });

  test('across the autumn change too', async () => {
    const d = doctor();
    await created(d, '2031-10-20T10:00:00.000-06:00', { recurring: true });
    await conflict(d, '2031-11-03T10:00:00.000-07:00'); // 17:00Z
    await conflict(d, '2031-11-10T17:30:00.000Z', { length: 15 });
    // Naive arithmetic would put the weekly time at 16:00Z, 09:00 MST; a booking ending then is fine.
    await created(d, '2031-11-03T15:00:00.000Z');
    await created(d, '2031-11-03T11:00:00.000-07:00');
  });

  test('a weekly booking in a zone without daylight saving keeps its UTC time', async () => {
    const d = doctor();
    await created(d, '2031-03-03T10:00:00.000-07:00', { recurring: true, location_id: 'phoenix' });
    await conflict(d, '2031-03-24T17:00:00.000Z');
    await created(d, '2031-03-24T16:00:00.000Z');
  });

  test('a new weekly booking is refused when a later one-off already sits on one of its weeks', async () => {
    const d = doctor();
    await created(d, '2031-03-24T10:15:00.000-06:00', { length: 30 });
    await conflict(d, '2031-03-03T10:00:00.000-07:00', { recurring: true });
    // At the naive time (11:00 MDT on the 24th) it would not touch the one-off, but its real weeks do.
    const e = doctor();
    await created(e, '2031-03-24T11:00:00.000-06:00');
    await created(e, '2031-03-03T10:00:00.000-07:00', { recurring: true });
  });

  test('a one-off before a weekly booking starts does not stop it', async () => {
    const d = doctor();
    await created(d, '2031-02-24T10:00:00.000-07:00');
    await created(d, '2031-03-03T10:00:00.000-07:00', { recurring: true });
  });

  test('two weekly bookings of one doctor that meet on any week are 409', async () => {
    const d = doctor();
    await created(d, '2031-01-06T10:00:00.000-07:00', { recurring: true });
    await conflict(d, '2031-02-03T10:30:00.000-07:00', { recurring: true }); // a later start, the same weekday
    await conflict(d, '2030-12-30T10:30:00.000-07:00', { recurring: true }); // an earlier start
    await conflict(d, '2031-06-02T10:00:00.000-06:00', { recurring: true }); // a summer start at the same local time
    await created(d, '2031-01-07T10:00:00.000-07:00', { recurring: true }); // Tuesdays
    await created(d, '2031-01-06T11:00:00.000-07:00', { recurring: true }); // right after
    await created(doctor(), '2031-01-06T10:00:00.000-07:00', { recurring: true }); // another doctor
  });

  test('two weekly bookings in different zones that meet only after a daylight-saving change are 409', async () => {
    const d = doctor();
    // Denver 10:00 is 17:00Z in winter, 16:00Z from 2031-03-09; Phoenix 09:00 is always 16:00Z.
    await created(d, '2031-02-03T10:00:00.000-07:00', { recurring: true });
    const phoenix = await post(d, '2031-02-03T09:00:00.000-07:00', { recurring: true, location_id: 'phoenix' });
    assert.equal(phoenix.status, 409, JSON.stringify(phoenix.body));
    // Phoenix 08:00 (15:00Z) never meets it.
    await created(d, '2031-02-03T08:00:00.000-07:00', { recurring: true, location_id: 'phoenix' });
  });

  test('a deleted weekly booking no longer blocks', async () => {
    const d = doctor();
    const series = await created(d, '2031-01-08T10:00:00.000-07:00', { recurring: true });
    await conflict(d, '2031-04-02T10:00:00.000-06:00');
    await owner('DELETE', `/scheduling/bookings/${series.id}`);
    await created(d, '2031-04-02T10:00:00.000-06:00');
  });

  test('a hold of one week (its stand-in) does not conflict with its own series, and blocks that week for others', async () => {
    const d = doctor();
    const series = await created(d, '2031-03-03T10:00:00.000-07:00', { recurring: true });
    const held = await booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: '2031-03-24T10:00:00.000-06:00' });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    assert.equal(held.body.start_datetime, '2031-03-24T10:00:00.000-06:00');
    await conflict(d, '2031-03-24T10:30:00.000-06:00');
    // The weeks either side are still the series'.
    await conflict(d, '2031-03-17T10:00:00.000-06:00');
    await conflict(d, '2031-03-31T10:00:00.000-06:00');
    // Booking the held week is no overlap either.
    assert.equal((await booker('PUT', `/scheduling/bookings/${held.body.id}`, { status: 'booked' })).status, 200);
    // A week held by a stand-in in winter, before the change.
    const winter = await booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: '2031-03-03T17:00:00.000Z' });
    assert.equal(winter.status, 201, JSON.stringify(winter.body));
    // The naive instant is not a week of the series.
    const naive = await booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: '2031-03-31T17:00:00.000Z' });
    assert.notEqual(naive.status, 201);
  });
});

// The rule reads weekly bookings by their start's minute of the week in UTC (which begins Thursday 00:00 UTC)
// and one-offs one index step back from each week it checks: these are the edges of those reads.
describe('found by their time of the week, whatever else the doctor has', () => {
  test("a weekly booking across the week's edge in UTC blocks both sides of it", async () => {
    const d = doctor();
    // Wednesdays 16:30-17:30 in Denver: 23:30Z-00:30Z, across Thursday 00:00Z.
    await created(d, '2031-01-08T16:30:00.000-07:00', { recurring: true });
    await conflict(d, '2031-01-16T09:00:00.000+09:00', { location_id: 'tokyo', length: 15 }); // Thursday 00:00Z
    await conflict(d, '2031-01-15T23:00:00.000Z', { length: 31 });
    await created(d, '2031-01-16T00:30:00.000Z', { length: 15 }); // as it ends
    await created(d, '2031-01-15T23:00:00.000Z', { length: 30 }); // ending as it starts
    // Weekly ones on the other side of the edge: Thursdays 08:50-09:20 in Tokyo are Wednesdays 23:50Z-00:20Z.
    const e = doctor();
    await created(e, '2031-07-03T00:05:00.000Z', { length: 10 }); // a Thursday in July
    await conflict(e, '2031-01-09T08:50:00.000+09:00', { recurring: true, location_id: 'tokyo', length: 30 });
    const f = doctor();
    await created(f, '2031-01-09T08:50:00.000+09:00', { recurring: true, location_id: 'tokyo', length: 30 });
    await conflict(f, '2031-06-04T18:00:00.000-06:00', { recurring: true }); // Denver Wednesdays 18:00 MDT: 00:00Z
    await created(f, '2031-06-04T18:20:00.000-06:00', { recurring: true }); // from 00:20Z in summer, 01:20Z in winter
  });

  test('a day-long weekly booking blocks into the next day', async () => {
    const d = doctor();
    await created(d, '2031-01-06T12:00:00.000-07:00', { recurring: true, length: 1440 });
    await conflict(d, '2031-02-11T11:30:00.000-07:00', { length: 15 });
    await conflict(d, '2031-09-16T11:30:00.000-06:00', { length: 15 });
    await created(d, '2031-02-11T12:00:00.000-07:00', { length: 15 });
    await created(d, '2031-02-09T11:30:00.000-07:00', { length: 30 }); // Sunday, the day before
  });

  test('a weekly booking meets a long one-off behind a later short one, past a closed one, and a year on', async () => {
    const d = doctor();
    const gone = await created(d, '2031-05-05T10:40:00.000-06:00', { length: 10 });
    assert.equal((await owner('DELETE', `/scheduling/bookings/${gone.id}`)).status, 200);
    await created(d, '2031-05-05T08:00:00.000-06:00', { length: 180 });
    await created(d, '2031-05-05T11:00:00.000-06:00', { length: 30 });
    // Mondays 10:30-11:00 from March: on 5 May they meet the 08:00-11:00 one, not the 11:00 one.
    await conflict(d, '2031-03-03T10:30:00.000-07:00', { recurring: true, length: 30 });
    await created(d, '2031-03-03T11:30:00.000-07:00', { recurring: true, length: 30 });
    await created(d, '2032-02-02T15:00:00.000-07:00', { length: 30 });
    await conflict(d, '2031-03-03T15:15:00.000-07:00', { recurring: true, length: 30 });
    await created(d, '2031-03-03T15:30:00.000-07:00', { recurring: true, length: 30 });
  });

  test("a weekly booking's own held week does not stop it being lengthened; another one-off does", async () => {
    const d = doctor();
    const series = await created(d, '2031-03-03T10:00:00.000-07:00', { recurring: true });
    const held = await booker('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: '2031-03-17T10:00:00.000-06:00' });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    assert.equal((await owner('PUT', `/scheduling/bookings/${series.id}`, { length: 90 })).status, 200);
    await created(d, '2031-03-31T11:30:00.000-06:00', { length: 30 });
    const longer = await owner('PUT', `/scheduling/bookings/${series.id}`, { length: 120 });
    assert.equal(longer.status, 409, JSON.stringify(longer.body));
    // Moved later in the day, its held week (10:00 on the 17th) is a one-off it would overlap.
    const moved = await owner('PUT', `/scheduling/bookings/${series.id}`, { start: '2031-03-03T10:30:00.000-07:00' });
    assert.equal(moved.status, 409, JSON.stringify(moved.body));
    // Holding and booking a one-off, a change of status alone, is no overlap.
    const oneOff = await created(d, '2031-04-01T10:00:00.000-06:00');
    assert.equal((await booker('PUT', `/scheduling/bookings/${oneOff.id}`, { status: 'pending' })).status, 200);
    assert.equal((await booker('PUT', `/scheduling/bookings/${oneOff.id}`, { status: 'booked' })).status, 200);
  });

  test('a weekly booking from years back meets a one-off of this year, and one before it began does not stop it', async () => {
    const d = doctor();
    await created(d, '2028-12-25T10:00:00.000-07:00'); // the Monday before it begins
    await created(d, '2031-06-02T10:30:00.000-06:00', { length: 15 });
    await conflict(d, '2029-01-01T10:00:00.000-07:00', { recurring: true });
    await created(d, '2029-01-01T11:00:00.000-07:00', { recurring: true });
  });

  test('a doctor with many weekly bookings: only the one at that time blocks', async () => {
    const d = doctor();
    // Every weekday 08:00-17:00 in half-hour weekly bookings, but Wednesday 12:00.
    for (let day = 0; day < 5; day += 1) {
      for (let slot = 0; slot < 18; slot += 1) {
        if (day === 2 && slot === 8) continue;
        const at = new Date(Date.parse('2031-01-06T08:00:00.000-07:00') + day * 86_400_000 + slot * 1_800_000).toISOString();
        await created(d, at, { recurring: true, length: 30 });
      }
    }
    await created(d, '2031-08-13T12:00:00.000-06:00', { length: 30 });
    await conflict(d, '2031-08-13T11:50:00.000-06:00', { length: 15 });
    await conflict(d, '2031-08-13T12:00:00.000-06:00', { length: 31 });
    await conflict(d, '2031-01-08T12:10:00.000-07:00', { recurring: true, length: 10 });
    await created(d, '2031-08-13T17:00:00.000-06:00', { recurring: true, length: 30 });
  });
});
