// Webhooks on PostgreSQL (TEST_DATABASE_URL): the outbox as migration postgres/002-webhooks.sql and
// db/webhooks.ts write it (the same event rules as SQLite's, fan-out to granted clients only, nothing
// from a rolled-back change, claims with FOR UPDATE SKIP LOCKED that two pools never share), and two
// real server processes on one database delivering each event once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import pg from 'pg';
import { openKeyring } from '../server/db/keyring.js';
import { openPostgres } from '../server/db/postgres/connect.js';
import { pgExecutor } from '../server/db/postgres/executor.js';
import { createWebhookData } from '../server/db/webhooks.js';
import { freshDatabaseUrl } from './helpers/postgres.js';
import { serverProcesses } from './helpers/process.js';
import { signedWith, startReceiver } from './helpers/receiver.js';
import { getToken, tempDatabasePath } from './helpers/server.js';

const start = serverProcesses();

const ALL = 'booking.created booking.updated booking.held booking.released booking.booked booking.closed';

test('PostgreSQL: the event rules, fan-out, rollback and claims of the webhook outbox', async () => {
  const url = await freshDatabaseUrl();
  const pool = await openPostgres(url);
  const other = new pg.Pool({ connectionString: url });
  try {
    const sql = pgExecutor(pool);
    const keyring = openKeyring(':memory:');
    const data = createWebhookData(sql, keyring);
    const data2 = createWebhookData(pgExecutor(other), keyring);
    await sql.run("INSERT INTO practices (id, name, created_at) VALUES ('p1', 'P1', 0), ('p2', 'P2', 0)");
    await sql.run("INSERT INTO locations (id, practice_id, name, timezone, created_at) VALUES ('l1', 'p1', 'L1', 'UTC', 0), ('l2', 'p2', 'L2', 'UTC', 0)");
    await sql.run("INSERT INTO clients (id, name, secret_hash, scopes, all_practices, created_at) VALUES ('c1', 'c1', 'x', 's', 0, 0), ('c2', 'c2', 'x', 's', 1, 0)");
    await sql.run("INSERT INTO client_practices (client_id, practice_id) VALUES ('c1', 'p1')");
    let n = 0;
    const insert = async (status: string, location = 'l1') => {
      const id = `b${++n}`;
      await sql.run(
        `INSERT INTO bookings (id, location_id, practice_id, doctor_id, start_at, start_offset, length, end_at, status, recurring, created_by, created_at, updated_at)
         VALUES (:id, :location, :practice, 'd', :start, 0, 30, :end, :status, 0, 'c1', 1, 1)`,
        { id, location, practice: location === 'l1' ? 'p1' : 'p2', start: n * 3_600_000, end: n * 3_600_000 + 1_800_000, status },
      );
      return id;
    };
    const types = async () => (await sql.all<{ type: string }>('SELECT type FROM webhook_events ORDER BY id')).map((e) => e.type);

    await insert('open');
    assert.deepEqual(await types(), [], 'no live endpoint, no event');
    await data.createEndpoint({ id: 'e1', client_id: 'c1', url: 'https://example.com/1', events: ALL, secret: 'whsec_AAAA' }, 0);
    await data.createEndpoint({ id: 'e2', client_id: 'c2', url: 'https://example.com/2', events: ALL, secret: 'whsec_BBBB' }, 0);
    await data.createEndpoint({ id: 'e3', client_id: 'c1', url: 'https://example.com/3', events: 'booking.created', secret: 'whsec_CCCC' }, 0);

    const id = await insert('pending');
    for (const to of ['open', 'pending', 'booked', 'open', 'closed']) await sql.run('UPDATE bookings SET status = :to, updated_at = updated_at + 1 WHERE id = :id', { id, to });
    await sql.run('UPDATE bookings SET hold_expires_at = 5 WHERE id = :id', { id });
    await sql.run('UPDATE bookings SET length = 45, end_at = start_at + 2700000 WHERE id = :id', { id });
    await insert('open', 'l2');
    assert.deepEqual(await types(), [
      'booking.created', 'booking.held', 'booking.released', 'booking.held', 'booking.booked', 'booking.updated', 'booking.closed', 'booking.updated', 'booking.created',
    ]);

    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query(`UPDATE bookings SET status = 'closed' WHERE id = 'b1'`);
    await client.query('ROLLBACK');
    client.release();
    assert.equal((await types()).length, 9, 'a rolled-back change leaves no event');

    assert.deepEqual(await sql.all('SELECT endpoint_id, COUNT(*) AS n FROM webhook_deliveries GROUP BY endpoint_id ORDER BY endpoint_id'), [
      { endpoint_id: 'e1', n: 8 },
      { endpoint_id: 'e2', n: 9 },
      { endpoint_id: 'e3', n: 1 },
    ]);

    const [a, b] = await Promise.all([data.claimDue(10, 1000, 'A', 10), data2.claimDue(10, 1000, 'B', 10)]);
    const claimed = [...a, ...b].map((d) => d.endpoint_id).sort();
    assert.deepEqual(claimed, ['e1', 'e2', 'e3'], 'each endpoint its earliest delivery, claimed once between the two');
    assert.deepEqual(await data.claimDue(10, 1000, 'C', 10), [], 'nothing more while those are in flight');
    const first = [...a, ...b].find((d) => d.endpoint_id === 'e1')!;
    assert.equal(first.secret, 'whsec_AAAA');
    assert.equal(await data.finish(first, 'Z', { at: 20, statusCode: 200, error: null, nextAttemptAt: null }), false, 'only its claim records it');
    assert.equal(await data.finish(first, a.includes(first) ? 'A' : 'B', { at: 20, statusCode: 200, error: null, nextAttemptAt: null }), true);
    assert.equal((await data.endpoint('e1'))!.last_status_code, 200);
  } finally {
    await other.end();
    await pool.end();
  }
});

test('PostgreSQL: two server processes on one database deliver each event once, signed', async () => {
  const url = await freshDatabaseUrl();
  const receiver = await startReceiver();
  try {
    const shared = { DATABASE_URL: url, DATABASE_PATH: tempDatabasePath('hooks-pg'), PATIENT_DATA_KEY: Buffer.alloc(32, 3).toString('base64'), WEBHOOKS_ALLOW_HTTP: 'loopback', THREAD_DEMO: 'off' };
    const a = await start(shared);
    const b = await start(shared);
    const cli = (...args: string[]) => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env: a.env, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout);
    };
    cli('practices', 'create', '--id', 'p1', '--name', 'Hooks Orthodontics');
    cli('locations', 'create', '--id', 'loc1', '--practice', 'p1', '--name', 'Main', '--timezone', 'America/Denver');
    const made = cli('clients', 'create', '--name', 'pms', '--scopes', 'scheduling:read scheduling:write', '--practices', 'p1');
    const endpoint = cli('webhooks', 'create', '--client', made.client_id, '--url', receiver.url, '--events', 'booking.created');
    const client = { id: made.client_id as string, secret: made.client_secret as string };
    const [tokenA, tokenB] = await Promise.all([getToken(a.url, client), getToken(b.url, client)]);
    const create = (server: { url: string }, token: string, n: number) =>
      fetch(`${server.url}/scheduling/bookings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ start: new Date(Date.now() + 7 * 86_400_000 + n * 3_600_000).toISOString(), location_id: 'loc1', doctor_id: 'D1', length: 30, status: 'open' }),
      }).then(async (response) => {
        assert.equal(response.status, 201);
        return ((await response.json()) as { id: string }).id;
      });
    const ids = await Promise.all(Array.from({ length: 30 }, (_, n) => (n % 2 === 0 ? create(a, tokenA, n) : create(b, tokenB, n))));
    await receiver.waitFor((received) => new Set(received.map((r) => r.json.data.id)).size === ids.length, 30_000);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (let i = 0; i < 200 && Number((await db.query('SELECT COUNT(*) AS n FROM webhook_deliveries WHERE delivered_at IS NULL')).rows[0].n) > 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await db.end();
    }
    assert.equal(receiver.received.length, ids.length, 'no event twice');
    assert.deepEqual(new Set(receiver.received.map((r) => r.json.data.id)), new Set(ids));
    assert.ok(receiver.received.every((r) => signedWith(endpoint.secret, r)));
  } finally {
    await receiver.close();
  }
});
