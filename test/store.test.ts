// The store: group commit of writes sent together, each in its own savepoint of one transaction; and new ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startCheckpointer } from '../server/db/checkpointer.js';
import { createStore } from '../server/db/store.js';
import { newId } from '../server/domain/bookings.js';
import { tempDatabasePath } from './helpers/server.js';

test('of writes sent together, one that throws undoes only its own changes and the others are committed', async () => {
  const file = tempDatabasePath();
  const store = createStore(file);
  try {
    const practice = (id: string) => () => store.directory.createPractice({ id, name: id }, Date.now());
    const outcomes = await Promise.allSettled([
      store.write(practice('first')),
      store.write(() => {
        practice('half-done')();
        throw new Error('refused after writing');
      }),
      store.write(practice('third')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    // Read through another connection: what was committed, not what this one holds.
    const other = new Database(file, { readonly: true });
    assert.deepEqual(other.prepare('SELECT id FROM practices ORDER BY id').pluck().all(), ['first', 'third']);
    other.close();
  } finally {
    store.close();
  }
});

test('a checkpoint thread that cannot start reports it to its caller instead of taking the process down', async () => {
  // The thread does not keep a process alive; the timer keeps this one up until the report comes.
  const keepAlive = setTimeout(() => {}, 10_000);
  const failure = await new Promise<Error>((resolve) => startCheckpointer('/no-such-folder/thread.sqlite', resolve));
  clearTimeout(keepAlive);
  assert.match(failure.message, /directory does not exist/);
});

test('new booking ids: 12 characters of base64url starting with a letter or digit, none repeated across many refills of the random pool', () => {
  const ids = Array.from({ length: 20_000 }, () => newId());
  for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{11}$/);
  assert.equal(new Set(ids).size, ids.length);
});
