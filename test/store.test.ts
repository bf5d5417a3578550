// The store: group commit of writes sent together, each in its own savepoint of one transaction; and new ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startCheckpointer } from '../server/db/checkpointer.js';
import { isUniqueViolation } from '../server/db/executor.js';
import { createStore, type Repos } from '../server/db/store.js';
import { newId } from '../server/domain/bookings.js';
import { tempDatabasePath } from './helpers/server.js';

test('of writes sent together, one that throws undoes only its own changes and the others are committed', async () => {
  const file = tempDatabasePath();
  const store = createStore(file);
  try {
    const practice = (id: string) => (tx: Repos) => tx.directory.createPractice({ id, name: id }, Date.now());
    const outcomes = await Promise.allSettled([
      store.write(practice('first')),
      store.write(async (tx) => {
        await practice('half-done')(tx);
        throw new Error('refused after writing');
      }),
      store.write(practice('third')),
      // A lone transaction queued among them runs apart, in order.
      store.transaction(practice('fourth')),
      store.write(practice('fifth')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    // Read through another connection: what was committed, not what this one holds.
    const other = new Database(file, { readonly: true });
    assert.deepEqual(other.prepare('SELECT id FROM practices ORDER BY id').pluck().all(), ['fifth', 'first', 'fourth', 'third']);
    other.close();
  } finally {
    await store.close();
  }
});

test('a lone transaction that throws writes nothing; close commits what is still queued', async () => {
  const file = tempDatabasePath();
  const store = createStore(file);
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.directory.createPractice({ id: 'undone', name: 'undone' }, Date.now());
      throw new Error('refused after writing');
    }),
    /refused after writing/,
  );
  const queued = store.write((tx) => tx.directory.createPractice({ id: 'kept', name: 'kept' }, Date.now()));
  await store.close();
  await queued;
  const other = new Database(file, { readonly: true });
  assert.deepEqual(other.prepare('SELECT id FROM practices ORDER BY id').pluck().all(), ['kept']);
  other.close();
});

test('a unique constraint refusing a row is told apart from other errors, on either engine', async () => {
  const store = createStore(tempDatabasePath());
  try {
    await store.transaction((tx) => tx.directory.createPractice({ id: 'p', name: 'p' }, Date.now()));
    const duplicate = await store.transaction((tx) => tx.directory.createPractice({ id: 'p', name: 'again' }, Date.now())).catch((error: unknown) => error);
    assert.equal(isUniqueViolation(duplicate), true);
    const other = await store.transaction((tx) => tx.sql.run('INSERT INTO practices (id, name, created_at) VALUES (:id, NULL, 0)', { id: 'q' })).catch((error: unknown) => error);
    assert.equal(isUniqueViolation(other), false, 'a NOT NULL refusal is not a duplicate');
    assert.equal(isUniqueViolation(Object.assign(new Error('duplicate key'), { code: '23505' })), true, "PostgreSQL's unique_violation");
    assert.equal(isUniqueViolation(undefined), false);
  } finally {
    await store.close();
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
