// The store's group commit: writes sent together run each in its own savepoint of one transaction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startCheckpointer } from '../server/db/checkpointer.js';
import { createStore } from '../server/db/store.js';
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
