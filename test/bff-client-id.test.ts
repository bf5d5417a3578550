// The BFF's own client (no THREAD_* settings) has an id nobody can guess (security review, finding 2): with
// a fixed public id, anyone could aim failed logins at it. Random per database, the same for every start
// and every process on that database.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openTestDatabase, openTestStore } from './helpers/database.js';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { startServer, tempDatabasePath } from './helpers/server.js';

const BFF_NAME = 'Widget BFF (this server)';

/** The BFF clients in a database, read as another process would. */
async function bffClients(databasePath: string): Promise<Array<{ id: string; revoked_at: number | null }>> {
  const db = await openTestDatabase(databasePath);
  try {
    return await db.all<{ id: string; revoked_at: number | null }>('SELECT id, revoked_at FROM clients WHERE name = :name ORDER BY id', { name: BFF_NAME });
  } finally {
    await db.close();
  }
}

const processes: ServerProcess[] = [];
after(async () => {
  for (const p of processes) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
});

test('the BFF client id is random per database (bff_ and 16 characters), not thread-bff-local, and the same after a restart', async () => {
  const first = await startServer();
  const [client] = await bffClients(first.databasePath);
  await first.close();
  assert.match(client.id, /^bff_[A-Za-z0-9_-]{16}$/);
  assert.notEqual(client.id, 'thread-bff-local');

  const again = await startServer({ databasePath: first.databasePath });
  await again.close();
  assert.deepEqual(await bffClients(first.databasePath), [client], 'a restart finds the same client');

  const other = await startServer();
  await other.close();
  assert.notEqual((await bffClients(other.databasePath))[0].id, client.id, 'another database, another id');
});

test('two server processes starting together on a fresh database agree on one BFF client id', async () => {
  const databasePath = tempDatabasePath('bff-id');
  // Migrated, and marked as seeded: the processes race over the BFF's client alone, not the demo's seeding.
  const store = await openTestStore(databasePath);
  await store.settings.set('demo_seeded_at', String(Date.now()));
  await store.close();
  const env = { DATABASE_PATH: databasePath, THREAD_DEMO: 'off' };
  processes.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
  const clients = await bffClients(databasePath);
  assert.equal(clients.length, 1, JSON.stringify(clients));
  assert.match(clients[0].id, /^bff_[A-Za-z0-9_-]{16}$/);
});

test('a database from before keeps no live client under the old public id thread-bff-local', async () => {
  const databasePath = tempDatabasePath('legacy');
  const store = await openTestStore(databasePath);
  await store.clients.create({ id: 'thread-bff-local', name: BFF_NAME, secretHash: 'scrypt$old', scopes: ['scheduling:read', 'scheduling:book'], practices: '*' }, Date.now());
  await store.close();
  const server = await startServer({ databasePath });
  await server.close();
  const clients = await bffClients(databasePath);
  assert.equal(clients.length, 2);
  assert.ok(clients.find((c) => c.id === 'thread-bff-local')?.revoked_at, 'the old client is revoked');
  assert.ok(clients.find((c) => c.id.startsWith('bff_'))?.revoked_at === null, 'the new one is live');
});
