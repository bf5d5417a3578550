// The read cache (server/db/read-cache.ts) is correct by construction: bounded by bytes, dropped by every
// directory write, and switched off entirely by CACHE=off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../server/db/database.js';
import { directoryWriter } from '../server/db/directory-writer.js';
import { sqliteExecutor } from '../server/db/executor.js';
import { createReadCache } from '../server/db/read-cache.js';
import { tempDatabasePath } from './helpers/server.js';

function counting() {
  let reads = 0;
  return { read: async () => (reads += 1), reads: () => reads };
}

test('a kept read is given again until a write; the oldest go first once the budget of bytes is spent', async () => {
  const db = openDatabase(tempDatabasePath());
  const cache = createReadCache(db, { maxBytes: 100_000 });
  const first = counting();
  await cache.bookings('page 0', first.read, () => 5_000);
  await cache.bookings('page 0', first.read, () => 5_000);
  assert.equal(first.reads(), 1, 'the second look-up is kept');
  // Forty more pages of 5 KB: 200 KB, twice the budget. The first ones are gone, the last ones kept.
  for (let i = 1; i <= 40; i += 1) await cache.bookings(`page ${i}`, async () => i, () => 5_000);
  await cache.bookings('page 0', first.read, () => 5_000);
  assert.equal(first.reads(), 2, 'the oldest page was let go');
  const last = counting();
  await cache.bookings('page 40', last.read, () => 5_000);
  assert.equal(last.reads(), 0, 'the newest page is still kept');
  // A single value larger than an eighth of the budget is never kept.
  const huge = counting();
  await cache.bookings('huge', huge.read, () => 50_000);
  await cache.bookings('huge', huge.read, () => 50_000);
  assert.equal(huge.reads(), 2);
  db.close();
});

test('a directory write through its writer drops what the directory shelf kept', async () => {
  const db = openDatabase(tempDatabasePath());
  const cache = createReadCache(db);
  const ex = sqliteExecutor(db);
  const writer = directoryWriter(ex, cache);
  const read = async () => (await ex.get<{ n: number }>('SELECT count(*) AS n FROM practices'))!;
  assert.equal((await cache.directory('count', read)).n, 0);
  await writer.run("INSERT INTO practices (id, name, created_at) VALUES (:id, 'P', 0)", { id: 'p1' });
  assert.equal((await cache.directory('count', read)).n, 1, 'the write dropped the kept count');
  db.close();
});

test('a value that changed while it was read is not kept', async () => {
  const db = openDatabase(tempDatabasePath());
  const cache = createReadCache(db);
  const ex = sqliteExecutor(db);
  const writer = directoryWriter(ex, cache);
  const count = async () => (await ex.get<{ n: number }>('SELECT count(*) AS n FROM practices'))!.n;
  // The read gives 0, then (before it is kept) a directory write lands: 0 must not be kept.
  const racing = async () => {
    const n = await count();
    await writer.run("INSERT INTO practices (id, name, created_at) VALUES (:id, 'P', 0)", { id: 'p1' });
    return n;
  };
  assert.equal(await cache.directory('count', racing), 0);
  assert.equal(await cache.directory('count', count), 1, 'read again, not the stale 0');
  db.close();
});

test('switched off (CACHE=off), every look-up reads', async () => {
  const db = openDatabase(tempDatabasePath());
  const cache = createReadCache(db, { enabled: false });
  const reads = counting();
  for (let i = 0; i < 3; i += 1) {
    await cache.bookings('same', reads.read);
    await cache.directory('same', reads.read);
  }
  assert.equal(reads.reads(), 6);
  db.close();
});
