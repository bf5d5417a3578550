// Webhooks across real server processes (server/main.ts as `npm start` runs it) on one database:
// an event acknowledged just before a SIGKILL is delivered after the restart, and two processes
// sharing the database deliver each event once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { openTestDatabase } from './helpers/database.js';
import { freePort, serverProcesses } from './helpers/process.js';
import { signedWith, startReceiver } from './helpers/receiver.js';
import { getToken, tempDatabasePath } from './helpers/server.js';

const start = serverProcesses();

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Record<string, any> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** A practice, a location, and a practice system's client with a webhook endpoint at `url`. */
async function practiceWithEndpoint(env: NodeJS.ProcessEnv, url: string) {
  cli(env, 'practices', 'create', '--id', 'p1', '--name', 'Hooks Orthodontics');
  cli(env, 'locations', 'create', '--id', 'loc1', '--practice', 'p1', '--name', 'Main', '--timezone', 'America/Denver');
  const client = cli(env, 'clients', 'create', '--name', 'pms', '--scopes', 'scheduling:read scheduling:write', '--practices', 'p1');
  const endpoint = cli(env, 'webhooks', 'create', '--client', client.client_id, '--url', url, '--events', 'booking.created');
  return { client: { id: client.client_id as string, secret: client.client_secret as string }, endpoint };
}

const createBooking = (url: string, token: string, n: number) =>
  fetch(`${url}/scheduling/bookings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ start: new Date(Date.now() + 7 * 86_400_000 + n * 3_600_000).toISOString(), location_id: 'loc1', doctor_id: 'D1', length: 30, status: 'open' }),
  }).then(async (response) => {
    assert.equal(response.status, 201);
    return ((await response.json()) as { id: string }).id;
  });

async function deliveries(databasePath: string) {
  const db = await openTestDatabase(databasePath);
  try {
    return await db.all<{ delivered_at: number | null; attempts: number }>('SELECT delivered_at, attempts FROM webhook_deliveries');
  } finally {
    await db.close();
  }
}

test('a change acknowledged just before SIGKILL is delivered once the server is back', async () => {
  const port = await freePort();
  const first = await start({ DATABASE_PATH: tempDatabasePath('hooks-crash'), WEBHOOKS_ALLOW_HTTP: 'loopback', THREAD_DEMO: 'off' });
  const { client, endpoint } = await practiceWithEndpoint(first.env, `http://127.0.0.1:${port}/hooks`);
  const id = await createBooking(first.url, await getToken(first.url, client), 1);
  first.child.kill('SIGKILL');
  await first.exited;
  // The receiver was not listening: nothing was delivered before the kill.
  assert.deepEqual((await deliveries(first.env.DATABASE_PATH!)).map((d) => d.delivered_at), [null]);

  const receiver = await startReceiver(port);
  try {
    await start(first.env);
    const [got] = await receiver.waitFor((received) => received.length >= 1);
    assert.equal(got.json.type, 'booking.created');
    assert.equal(got.json.data.id, id);
    assert.ok(signedWith(endpoint.secret, got));
    for (let i = 0; i < 200 && (await deliveries(first.env.DATABASE_PATH!))[0].delivered_at === null; i += 1) await new Promise((r) => setTimeout(r, 25));
    assert.notEqual((await deliveries(first.env.DATABASE_PATH!))[0].delivered_at, null);
    assert.equal(receiver.received.length, 1);
  } finally {
    await receiver.close();
  }
});

test('two server processes on one database deliver each event once', async () => {
  const receiver = await startReceiver();
  try {
    const shared = { DATABASE_PATH: tempDatabasePath('hooks-two'), WEBHOOKS_ALLOW_HTTP: 'loopback', THREAD_DEMO: 'off' };
    const a = await start(shared);
    const b = await start(shared);
    const { client, endpoint } = await practiceWithEndpoint(a.env, receiver.url);
    const [tokenA, tokenB] = await Promise.all([getToken(a.url, client), getToken(b.url, client)]);
    const ids = await Promise.all(Array.from({ length: 40 }, (_, n) => (n % 2 === 0 ? createBooking(a.url, tokenA, n) : createBooking(b.url, tokenB, n))));
    await receiver.waitFor((received) => new Set(received.map((r) => r.json.data.id)).size === ids.length, 30_000);
    for (let i = 0; i < 200 && (await deliveries(shared.DATABASE_PATH)).some((d) => d.delivered_at === null); i += 1) await new Promise((r) => setTimeout(r, 25));
    assert.equal(receiver.received.length, ids.length, 'no event twice');
    assert.deepEqual(new Set(receiver.received.map((r) => r.json.data.id)), new Set(ids));
    assert.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, ids.length);
    assert.ok(receiver.received.every((r) => signedWith(endpoint.secret, r)));
    // Each delivery was logged by the one process that made it.
    const logged = [a, b].flatMap((server) => server.stdout().split('\n').filter((line) => line.includes('"msg":"webhook"')));
    assert.equal(logged.length, ids.length);
  } finally {
    await receiver.close();
  }
});
