// The read cache (server/db/read-cache.ts) is correct by construction: bounded by bytes, dropped by every
// directory write, and switched off entirely by CACHE=off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../server/db/database.js';
import { createReadCache } from '../server/db/read-cache.js';
import { tempDatabasePath } from './helpers/server.js';

function counting() {
  let reads = 0;
  return { read: () => (reads += 1), reads: () => reads };
}

test('a kept read is given again until a write; the oldest go first once the budget of bytes is spent', () => {
  const db = openDatabase(tempDatabasePath());
  const cache = createReadCache(db, { maxBytes: 100_000 });
  const first = counting();
  cache.bookings('page 0', first.read, () => 5_000);
  cache.bookings('page 0', first.read, () => 5_000);
  assert.equal(first.reads(), 1, 'the second look-up is kept');
  // Forty more pages of 5 KB: 200 KB, twice the budget. The first ones are gone, the last ones kept.
  for (let i = 1; i <= 40; i += 1) cache.bookings(`page ${i}`, () => i, () => 5_000);
  cache.bookings('page 0', first.read, () => 5_000);
  assert.equal(first.reads(), 2, 'the oldest page was let go');
  const last = counting();
  cache.bookings('page 40', last.read, () => 5_000);
  assert.equal(last.reads(), 0, 'the newest page is still kept');
  // A single value larger than an eighth of the budget is never kept.
  const huge = counting();
  cache.bookings('huge', huge.read, () => 50_000);
  cache.bookings('huge', huge.read, () => 50_000);
  assert.equal(huge.reads(), 2);
  db.close();
});

test('a directory write through its statement drops what the directory shelf kept', () => {
  const db = openDatabase(tempDatabasePath());
  const cache = createReadCache(db);
  const insert = cache.directoryStatement(db.prepare("INSERT INTO practices (id, name, created_at) VALUES (?, 'P', 0)"));
  const read = () => db.prepare('SELECT count(*) AS n FROM practices').get() as { n: number };
  assert.equal(cache.directory('count', read).n, 0);
  insert.run('p1');
  assert.equal(cache.directory('count', read).n, 1, 'the write dropped the kept count');
  db.close();
});

test('switched off (CACHE=off), every look-up reads', () => {
  const db = openDatabase(tempDatabasePath());
  const cache = createReadCache(db, { enabled: false });
  const reads = counting();
  for (let i = 0; i < 3; i += 1) {
    cache.bookings('same', reads.read);
    cache.directory('same', reads.read);
  }
  assert.equal(reads.reads(), 6);
  db.close();
});
