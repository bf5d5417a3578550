// Doctors belong to a practice (issue 12, finding 3): a doctor id names a doctor only within its practice.
// Two practices use the same doctor ids; the overlap rule and every answer stay inside each practice:
// practice B can neither be blocked by practice A's bookings, nor block them, nor learn their ids. (Migration
// 004 on an old SQLite file: sqlite-migrations.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addClients, addPractice, api, getToken, startServer, type TestServer } from './helpers/server.js';

type Call = ReturnType<typeof api>;
const ALL_SCOPES = ['scheduling:read', 'scheduling:write', 'scheduling:book'];

let server: TestServer;
/** Two clients per practice, each granted that practice alone; `both` is granted both. */
const as: Record<'a' | 'a2' | 'b' | 'b2' | 'both', Call> = {} as never;
let seq = 0;
/** A doctor id of this test alone, used by both practices. */
const doctor = () => `DD-${++seq}`;

before(async () => {
  server = await startServer();
  // UTC locations: a weekly booking's weeks are exactly 7 days apart whatever today's date.
  await addPractice(server, { id: 'pa' }, [{ id: 'la', timezone: 'Etc/UTC' }]);
  await addPractice(server, { id: 'pb' }, [{ id: 'lb', timezone: 'Etc/UTC' }]);
  const clients = await addClients(server, [
    { id: 'a', scopes: ALL_SCOPES, practices: ['pa'] },
    { id: 'a2', scopes: ALL_SCOPES, practices: ['pa'] },
    { id: 'b', scopes: ALL_SCOPES, practices: ['pb'] },
    { id: 'b2', scopes: ALL_SCOPES, practices: ['pb'] },
    { id: 'both', scopes: ALL_SCOPES, practices: ['pa', 'pb'] },
  ]);
  const calls = await Promise.all(clients.map(async (c) => api(server.url, await getToken(server.url, c))));
  for (const [i, c] of clients.entries()) as[c.id as keyof typeof as] = calls[i];
});
after(() => server.close());

/** A start well inside the booking API's horizon: `days` from now at 17:00Z. */
function startIn(days: number): string {
  const day = new Date(server.clock.now + days * 86_400_000);
  return `${day.toISOString().slice(0, 10)}T17:00:00.000Z`;
}

async function post(call: Call, fields: Record<string, unknown>) {
  return call('POST', '/scheduling/bookings', { status: 'open', length: 60, ...fields });
}

async function created(call: Call, fields: Record<string, unknown>): Promise<{ id: string; start_datetime: string }> {
  const response = await post(call, fields);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/** Asserts none of `ids` appears anywhere in what was answered. */
function revealsNone(response: { body: unknown; headers: Headers }, ids: string[]) {
  const text = JSON.stringify(response.body) + JSON.stringify([...response.headers]);
  for (const id of ids) assert.ok(!text.includes(id), `answer names another practice's booking ${id}: ${text}`);
}

describe('the overlap rule is per practice', () => {
  test("practice B books the same doctor id at the same time as practice A: 201, and no A id in B's answers", async () => {
    const d = doctor();
    const at = startIn(10);
    const mine = await created(as.a, { location_id: 'la', doctor_id: d, start: at });
    const theirs = await post(as.b, { location_id: 'lb', doctor_id: d, start: at });
    assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
    revealsNone(theirs, [mine.id]);
    // Within B the rule holds, and its 409 names B's booking only.
    const again = await post(as.b2, { location_id: 'lb', doctor_id: d, start: at, length: 30 });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.status, 'conflict');
    assert.ok(again.body.message.includes(theirs.body.id), again.body.message);
    revealsNone(again, [mine.id]);
    // Within A too, naming A's booking.
    const ownConflict = await post(as.a2, { location_id: 'la', doctor_id: d, start: at });
    assert.equal(ownConflict.status, 409);
    assert.ok(ownConflict.body.message.includes(mine.id), ownConflict.body.message);
    revealsNone(ownConflict, [theirs.body.id]);
    // B's lists show only B's bookings.
    const listed = await as.b('GET', '/scheduling/practices/pb/bookings');
    assert.equal(listed.status, 200);
    revealsNone(listed, [mine.id]);
  });

  test("practice B's weekly booking on A's doctor id does not block A's doctor (one-offs, weeks or another series)", async () => {
    const d = doctor();
    const series = await created(as.b, { location_id: 'lb', doctor_id: d, start: startIn(20), recurring: true });
    // A's doctor of the same id is free in every one of those weeks, one-off or weekly.
    const oneOff = await post(as.a, { location_id: 'la', doctor_id: d, start: startIn(20 + 7 * 3) });
    assert.equal(oneOff.status, 201, JSON.stringify(oneOff.body));
    revealsNone(oneOff, [series.id]);
    const weekly = await post(as.a, { location_id: 'la', doctor_id: d, start: startIn(20 + 7 * 5), recurring: true, length: 30 });
    assert.equal(weekly.status, 201, JSON.stringify(weekly.body));
    revealsNone(weekly, [series.id]);
    // And B's series may still hold a week where A's doctor has a booking at that time.
    const week = new Date(Date.parse(series.start_datetime) + 3 * 7 * 86_400_000).toISOString();
    const hold = await as.b2('PUT', `/scheduling/bookings/${series.id}`, { status: 'pending', start: week });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    revealsNone(hold, [oneOff.body.id, weekly.body.id]);
    // Within A, its own series still blocks its doctor's weeks.
    const blocked = await post(as.a2, { location_id: 'la', doctor_id: d, start: startIn(20 + 7 * 9), length: 15 });
    assert.equal(blocked.status, 409, JSON.stringify(blocked.body));
    assert.ok(blocked.body.message.includes(weekly.body.id), blocked.body.message);
    revealsNone(blocked, [series.id]);
  });

  test("A's one-off does not keep B from offering a weekly booking over it", async () => {
    const d = doctor();
    const mine = await created(as.a, { location_id: 'la', doctor_id: d, start: startIn(40 + 14) });
    const weekly = await post(as.b, { location_id: 'lb', doctor_id: d, start: startIn(40), recurring: true });
    assert.equal(weekly.status, 201, JSON.stringify(weekly.body));
    revealsNone(weekly, [mine.id]);
  });
});

describe('a booking stays in its practice', () => {
  test("moving a booking to another practice's location is refused (422 for a client granted both), and it stays put", async () => {
    const d = doctor();
    const booking = await created(as.both, { location_id: 'la', doctor_id: d, start: startIn(60) });
    const moved = await as.both('PUT', `/scheduling/bookings/${booking.id}`, { location_id: 'lb' });
    assert.equal(moved.status, 422, JSON.stringify(moved.body));
    assert.equal(moved.body.status, 'unprocessable');
    assert.match(moved.body.message, /^location_id: /);
    const still = await as.both('GET', `/scheduling/bookings/${booking.id}`);
    assert.equal(still.body.location_id, 'la');
    // So B's doctor of the same id is still free at that time.
    assert.equal((await post(as.b, { location_id: 'lb', doctor_id: d, start: startIn(60) })).status, 201);
  });

  test("moving to an ungranted practice's location is 403, worded as for a location that does not exist", async () => {
    const booking = await created(as.a, { location_id: 'la', doctor_id: doctor(), start: startIn(61) });
    const ungranted = await as.a('PUT', `/scheduling/bookings/${booking.id}`, { location_id: 'lb' });
    const unknown = await as.a('PUT', `/scheduling/bookings/${booking.id}`, { location_id: 'nowhere' });
    assert.equal(ungranted.status, 403);
    assert.equal(unknown.status, 403);
    assert.equal(ungranted.body.message.replace('lb', 'X'), unknown.body.message.replace('nowhere', 'X'));
  });
});
