// Which change of a booking is which webhook event: the rules of migration 018 (webhook_event_rules and
// the triggers on bookings), cell by cell, on a real SQLite file. The triggers are the only writers of
// the outbox, so whatever writes a booking (API, BFF, CLI, expiry) gets these events.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createStore, type Store } from '../server/db/store.js';
import { tempDatabasePath } from './helpers/server.js';

let store: Store;
let n = 0;
before(async () => {
  store = createStore(tempDatabasePath('rules'));
  const sql = store.sql;
  await sql.run("INSERT INTO practices (id, name, created_at) VALUES ('p1', 'P1', 0), ('p2', 'P2', 0)");
  await sql.run("INSERT INTO locations (id, practice_id, name, timezone, created_at) VALUES ('l1', 'p1', 'L1', 'UTC', 0), ('l2', 'p2', 'L2', 'UTC', 0)");
  await sql.run("INSERT INTO clients (id, name, secret_hash, scopes, all_practices, created_at) VALUES ('c1', 'c1', 'x', 'scheduling:read', 0, 0)");
  await sql.run("INSERT INTO client_practices (client_id, practice_id) VALUES ('c1', 'p1')");
});
after(() => store.close());

const events = async () => (await store.sql.all<{ type: string; booking: string }>('SELECT type, booking FROM webhook_events ORDER BY id')).map((e) => e.type);
const clear = () => store.sql.run('DELETE FROM webhook_events');
const insert = async (status: string, location = 'l1') => {
  const id = `b${++n}`;
  await store.sql.run(
    `INSERT INTO bookings (id, location_id, practice_id, doctor_id, start_at, start_offset, length, end_at, status, recurring, created_by, created_at, updated_at)
     VALUES (:id, :location, :practice, 'd', :start, 0, 30, :end, :status, 0, 'c1', 1, 1)`,
    { id, location, practice: location === 'l1' ? 'p1' : 'p2', start: n * 3_600_000, end: n * 3_600_000 + 1_800_000, status },
  );
  return id;
};
const setStatus = (id: string, status: string) => store.sql.run('UPDATE bookings SET status = :status, updated_at = updated_at + 1 WHERE id = :id', { id, status });

test('with no live endpoint, a booking write records no event', async () => {
  await insert('open');
  assert.deepEqual(await events(), []);
  await store.sql.run(
    "INSERT INTO webhook_endpoints (id, client_id, url, events, secret_sealed, created_at) VALUES ('e1', 'c1', 'https://example.com/', 'booking.created booking.updated booking.held booking.released booking.booked booking.closed', x'00', 0)",
  );
});

test('an insert is booking.created, followed by the event of the status it starts in', async () => {
  for (const [status, expected] of [
    ['open', ['booking.created']],
    ['pending', ['booking.created', 'booking.held']],
    ['booked', ['booking.created', 'booking.booked']],
  ] as const) {
    await clear();
    await insert(status);
    assert.deepEqual(await events(), expected, `insert ${status}`);
  }
});

test('a status change is the event of its cell; one no rule names is booking.updated', async () => {
  const cells: Array<[from: string, to: string, type: string]> = [
    ['open', 'pending', 'booking.held'],
    ['pending', 'open', 'booking.released'],
    ['pending', 'booked', 'booking.booked'],
    ['open', 'booked', 'booking.booked'],
    ['booked', 'closed', 'booking.closed'],
    ['open', 'closed', 'booking.closed'],
    ['pending', 'closed', 'booking.closed'],
    ['booked', 'open', 'booking.updated'],
    ['booked', 'pending', 'booking.held'],
  ];
  for (const [from, to, type] of cells) {
    const id = await insert(from);
    await clear();
    await setStatus(id, to);
    assert.deepEqual(await events(), [type], `${from} -> ${to}`);
  }
});

test('a change of a shown field is booking.updated; a hold renewed (its expiry alone) is no event', async () => {
  const id = await insert('pending');
  await clear();
  await store.sql.run('UPDATE bookings SET hold_expires_at = 99, updated_at = updated_at + 1 WHERE id = :id', { id });
  assert.deepEqual(await events(), []);
  await store.sql.run('UPDATE bookings SET length = 45, end_at = start_at + 2700000 WHERE id = :id', { id });
  assert.deepEqual(await events(), ['booking.updated']);
  const [stored] = await store.sql.all<{ booking: string }>('SELECT booking FROM webhook_events');
  assert.deepEqual(Object.keys(JSON.parse(stored.booking)).sort(), ['doctor_id', 'id', 'length', 'location_id', 'practice_id', 'recurring', 'start_at', 'start_offset', 'status']);
  assert.equal(JSON.parse(stored.booking).length, 45);
});

test("each event fans out to the endpoints of clients granted the booking's practice only, that take its type", async () => {
  await store.sql.run('DELETE FROM webhook_deliveries');
  await store.sql.run("UPDATE webhook_endpoints SET events = 'booking.created' WHERE id = 'e1'");
  const mine = await insert('pending');
  const other = await insert('open', 'l2');
  const deliveries = await store.sql.all<{ booking_id: string; type: string }>(
    'SELECT v.booking_id, v.type FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id ORDER BY v.id',
  );
  assert.deepEqual(deliveries, [{ booking_id: mine, type: 'booking.created' }], `not ${other}, nor booking.held`);
});
