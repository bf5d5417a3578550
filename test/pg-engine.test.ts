// The PostgreSQL engine's own pieces against a real PostgreSQL (TEST_DATABASE_URL): the Executor, the
// migrations and the rules the schema holds, reaching the database, and the data key check.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { checkDataKey } from '../server/db/data-key-check.js';
import { newDataKey, openKeyring, writeKeyFile } from '../server/db/keyring.js';
import { openPostgres } from '../server/db/postgres/connect.js';
import { openPostgresKeyring } from '../server/db/postgres/data-key.js';
import { pgExecutor, pgTransactionExecutor } from '../server/db/postgres/executor.js';
import { migrationFiles } from '../server/db/postgres/migrate.js';
import { createPostgresStore } from '../server/db/postgres/store.js';
import { freshDatabaseUrl } from './helpers/postgres.js';

async function withPool<T>(work: (pool: pg.Pool) => Promise<T>, options: { icuLocale?: string } = {}): Promise<T> {
  const pool = await openPostgres(await freshDatabaseUrl(options));
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

const now = Date.UTC(2026, 0, 5, 9);

async function seedPractice(sql: ReturnType<typeof pgExecutor>, practice: string, location: string) {
  await sql.run('INSERT INTO practices (id, name, created_at) VALUES (:id, :name, :now)', { id: practice, name: practice, now });
  await sql.run("INSERT INTO locations (id, practice_id, name, timezone, created_at) VALUES (:id, :practice, 'L', 'UTC', :now)", { id: location, practice, now });
}

async function seedClient(sql: ReturnType<typeof pgExecutor>) {
  await sql.run("INSERT INTO clients (id, name, secret_hash, scopes, created_at) VALUES ('c', 'c', 'h', '', :now) ON CONFLICT DO NOTHING", { now });
}

function booking(overrides: Record<string, unknown>) {
  return {
    id: 'b1',
    location_id: 'l1',
    practice_id: 'p1',
    doctor_id: 'd1',
    start_at: now,
    start_offset: 0,
    length: 30,
    end_at: now + 30 * 60_000,
    status: 'open',
    recurring: 0,
    series_id: null,
    created_by: 'c',
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}
const INSERT_BOOKING = `INSERT INTO bookings (id, location_id, practice_id, doctor_id, start_at, start_offset, length, end_at, status, recurring,
  series_id, created_by, created_at, updated_at) VALUES (:id, :location_id, :practice_id, :doctor_id, :start_at, :start_offset, :length,
  :end_at, :status, :recurring, :series_id, :created_by, :created_at, :updated_at)`;

describe('pgExecutor', () => {
  test('named parameters, BIGINT as numbers, run resolves to the rows changed, casts and quotes kept', async () => {
    await withPool(async (pool) => {
      const sql = pgExecutor(pool);
      assert.equal(sql.engine, 'postgres');
      await sql.run('CREATE TABLE t (id TEXT PRIMARY KEY, at BIGINT NOT NULL, n INTEGER)');
      for (const [id, at] of [['a', 1_767_600_000_000], ['b', -8.64e15], ['c', 2 ** 53 - 1]] as const) {
        assert.equal(await sql.run('INSERT INTO t (id, at, n) VALUES (:id, :at, 1)', { id, at }), 1);
      }
      const rows = await sql.all<{ id: string; at: number }>('SELECT id, at FROM t WHERE at >= :low ORDER BY at', { low: -8.64e15 });
      assert.deepEqual(rows, [{ id: 'b', at: -8.64e15 }, { id: 'a', at: 1_767_600_000_000 }, { id: 'c', at: 2 ** 53 - 1 }]);
      assert.deepEqual(await sql.get('SELECT count(*) AS n, sum(n) AS s FROM t'), { n: 3, s: 3 });
      assert.deepEqual(await sql.get("SELECT ':id' AS text, :id::text || '::x' AS cast FROM t WHERE id = :id", { id: 'a' }), { text: ':id', cast: 'a::x' });
      assert.equal(await sql.get('SELECT id FROM t WHERE id = :id', { id: 'none' }), undefined);
      assert.equal(await sql.run('UPDATE t SET n = n + 1 WHERE at > :at', { at: 0 }), 2);
      assert.equal(await sql.run('DELETE FROM t WHERE id = :id', { id: 'none' }), 0);
      // A parameter left out is a bug, not a NULL, and booleans are 0/1 on both engines.
      await assert.rejects(sql.get('SELECT id FROM t WHERE id = :id', {}), /missing parameter :id/);
      await assert.rejects(sql.get('SELECT id FROM t WHERE n = :n', { n: true }), /boolean/);
      // A number JavaScript cannot hold exactly throws instead of losing digits unseen.
      await assert.rejects(sql.get("SELECT '9007199254740993'::bigint AS big"), /cannot hold exactly/);
      // Text PostgreSQL cannot hold is bad input (a 400 at the edge), not a failed statement.
      await assert.rejects(sql.get('SELECT id FROM t WHERE id = :id', { id: 'a\u0000b' }), (error: Error & { status?: number }) => error.status === 400);
      // Byte strings round-trip as Buffers (sealed blobs).
      assert.deepEqual(await sql.get('SELECT :blob::bytea AS blob', { blob: Buffer.from([0, 1, 255]) }), { blob: Buffer.from([0, 1, 255]) });
    });
  });
});

describe('pgTransactionExecutor', () => {
  test('statements sent ahead (BEGIN, a lock): the reads behind go out at once; a failure ahead is the one thrown; a write waits for BEGIN', async () => {
    await withPool(async (pool) => {
      await pool.query('CREATE TABLE t (id TEXT PRIMARY KEY)');
      const client = await pool.connect();
      try {
        // A read sent ahead fails: the next statement (aborted behind it) throws that failure, not "current transaction is aborted".
        await client.query('BEGIN');
        const tx = pgTransactionExecutor(client);
        tx.sendAhead!('SELECT 1 / 0 AS x');
        await assert.rejects(tx.get('SELECT 1 AS one'), (error: { code?: string }) => error.code === '22012');
        await assert.rejects(tx.settled(), (error: { code?: string }) => error.code === '22012');
        await client.query('ROLLBACK');

        // BEGIN sent ahead and answered with the first read.
        const begun = client.query({ text: 'BEGIN ISOLATION LEVEL READ COMMITTED' });
        const ok = pgTransactionExecutor(client, { begun });
        assert.deepEqual(await ok.get('SELECT current_setting(:name) AS level', { name: 'transaction_isolation' }), { level: 'read committed' });
        await ok.run("INSERT INTO t (id) VALUES ('in')");
        await client.query('COMMIT');

        // Had BEGIN failed, a write is never sent: it would have run, and committed, alone.
        const failed = pgTransactionExecutor(client, { begun: Promise.reject(new Error('no BEGIN')) });
        await assert.rejects(failed.run("INSERT INTO t (id) VALUES ('alone')"), /no BEGIN/);
        assert.deepEqual((await pool.query('SELECT id FROM t ORDER BY id')).rows, [{ id: 'in' }]);
        // A write is sent ahead only once BEGIN has answered (else the caller runs it).
        const unanswered = pgTransactionExecutor(client, { begun: new Promise(() => undefined) });
        assert.equal(unanswered.sendAhead!("INSERT INTO t (id) VALUES ('x')"), false);
      } finally {
        client.release();
      }
    });
  });
});

describe('PostgreSQL migrations', () => {
  test('processes starting together migrate once: every migration applied, recorded once', async () => {
    const url = await freshDatabaseUrl();
    const pools = await Promise.all([openPostgres(url), openPostgres(url), openPostgres(url)]);
    try {
      const sql = pgExecutor(pools[0]);
      const applied = await sql.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(applied.map((row) => row.version), migrationFiles().map((file) => file.version));
      const tables = (await sql.all<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((row) => row.name);
      for (const table of ['practices', 'locations', 'clients', 'client_practices', 'signing_keys', 'bookings', 'sign_ups', 'idempotency_keys', 'sites', 'bff_holds', 'bff_hold_claims', 'bff_proofs_used', 'settings', 'audit_events', 'rate_events']) {
        assert.ok(tables.includes(table), `${table} in ${tables.join(', ')}`);
      }
      // Opening again finds nothing left to do.
      const again = await openPostgres(url);
      await again.end();
      assert.equal((await sql.get<{ n: number }>('SELECT count(*) AS n FROM schema_migrations'))!.n, applied.length);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  test('the schema holds its rules: practice guard, week minute, one stand-in per week, append-only audit', async () => {
    await withPool(async (pool) => {
      const sql = pgExecutor(pool);
      await seedPractice(sql, 'p1', 'l1');
      await seedPractice(sql, 'p2', 'l2');
      await seedClient(sql);
      // A booking belongs to its location's practice, from its first write on.
      await assert.rejects(sql.run(INSERT_BOOKING, booking({ practice_id: 'p2' })), /belongs to its location's practice/);
      await assert.rejects(sql.run(INSERT_BOOKING, booking({ practice_id: null })), /belongs to its location's practice/);
      await sql.run(INSERT_BOOKING, booking({ id: 'weekly', recurring: 1 }));
      await assert.rejects(sql.run(INSERT_BOOKING, booking({ id: 'x', location_id: 'l2', practice_id: 'p2', series_id: 'weekly' })), /series it stands in for/);
      await assert.rejects(sql.run("UPDATE bookings SET location_id = 'l2' WHERE id = 'weekly'"), /stays in its practice/);
      await assert.rejects(sql.run("UPDATE bookings SET location_id = 'l2', practice_id = 'p2' WHERE id = 'weekly'"), /stays in its practice/);
      // The minute of the week is the database's own, as in SQLite (Monday 09:00 UTC: 4 days and 9 hours after Thursday 00:00).
      assert.equal((await sql.get<{ m: number }>("SELECT week_minute AS m FROM bookings WHERE id = 'weekly'"))!.m, (4 * 24 + 9) * 60);
      await sql.run(INSERT_BOOKING, booking({ id: 'b-before-1970', start_at: -60_000, end_at: 29 * 60_000 }));
      assert.equal((await sql.get<{ m: number }>("SELECT week_minute AS m FROM bookings WHERE id = 'b-before-1970'"))!.m, 7 * 24 * 60 - 1);
      // One live stand-in per week of a series.
      await sql.run(INSERT_BOOKING, booking({ id: 's1', series_id: 'weekly', status: 'pending' }));
      await assert.rejects(sql.run(INSERT_BOOKING, booking({ id: 's2', series_id: 'weekly', status: 'pending' })), /bookings_occurrence/);
      await assert.rejects(sql.run(INSERT_BOOKING, booking({ id: 'bad', length: 4 })), /check/i);
      // The audit trail takes lines and gives them back, never changes or loses one.
      const line = { at: now, practice_id: 'p1', booking_id: 'b1', actor_kind: 'api_client', actor_id: 'c', address: '127.0.0.1', action: 'sign_up.read', outcome: 'read' };
      const insert = `INSERT INTO audit_events (at, practice_id, booking_id, actor_kind, actor_id, address, action, outcome)
        VALUES (:at, :practice_id, :booking_id, :actor_kind, :actor_id, :address, :action, :outcome)`;
      await sql.run(insert, line);
      await sql.run(insert, line);
      const seqs = await sql.all<{ seq: number }>('SELECT seq FROM audit_events ORDER BY at, seq');
      assert.equal(seqs.length, 2);
      assert.ok(seqs[0].seq < seqs[1].seq);
      await assert.rejects(sql.run('DELETE FROM audit_events'), /append-only/);
      await assert.rejects(sql.run("UPDATE audit_events SET actor_id = 'someone-else'"), /append-only/);
      await assert.rejects(sql.run('TRUNCATE audit_events'), /append-only/);
    });
  });

  test('ids and keys sort by code point, as in SQLite, whatever the database locale', async () => {
    await withPool(async (pool) => {
      const sql = pgExecutor(pool);
      for (const id of ['b', 'B', 'a', '_x', 'A-1']) await sql.run("INSERT INTO practices (id, name, created_at) VALUES (:id, 'P', 0)", { id });
      const ids = (await sql.all<{ id: string }>('SELECT id FROM practices ORDER BY id')).map((row) => row.id);
      assert.deepEqual(ids, ['A-1', 'B', '_x', 'a', 'b']);
      await sql.run("INSERT INTO rate_events (key, at) VALUES ('token:a', 1), ('token;', 1), ('tokens', 1)");
      const keys = await sql.all<{ key: string }>('SELECT key FROM rate_events WHERE key >= :prefix AND key < :end', { prefix: 'token:', end: 'token;' });
      assert.deepEqual(keys, [{ key: 'token:a' }]);
      // What the database's own locale would have given.
      const localeOrder = await sql.all<{ id: string }>('SELECT id::text COLLATE "default" AS id FROM practices ORDER BY 1');
      assert.notDeepEqual(localeOrder.map((row) => row.id), ids);
    }, { icuLocale: 'en-US' });
  });
});

describe('DATABASE_URL that cannot be used', () => {
  test('no server there, a wrong database: one line naming DATABASE_URL, without the password', async () => {
    const server = new URL(process.env.TEST_DATABASE_URL!);
    const noServer = 'postgres://thread:s3cret-pw@127.0.0.1:1/thread';
    const noDatabase = Object.assign(new URL(server.href), { pathname: '/no_such_database_here', password: 's3cret-pw' }).href;
    for (const url of [noServer, noDatabase]) {
      const error = await openPostgres(url).then(() => undefined, (caught: Error) => caught);
      assert.ok(error, url);
      assert.match(error.message, /^DATABASE_URL /);
      assert.equal(error.message.split('\n').length, 1);
      assert.doesNotMatch(error.message, /s3cret-pw/);
    }
  });
});

describe('the data key on PostgreSQL', () => {
  const dataDir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thread-pg-key-')), 'data', 'thread.sqlite');

  test('the first server makes the key file; one with another key, or none, refuses naming PATIENT_DATA_KEY', async () => {
    await withPool(async (pool) => {
      const sql = pgExecutor(pool);
      const first = dataDir();
      const keyring = await openPostgresKeyring(sql, first, undefined);
      const keyFile = path.join(path.dirname(first), 'thread.key');
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.dirname(first)).mode & 0o777, 0o700);
      // The same key again (a restart, another machine with a copy of the file or PATIENT_DATA_KEY): fine.
      await openPostgresKeyring(sql, first, undefined);
      await openPostgresKeyring(sql, dataDir(), { current: keyring.current().key, previous: [] });
      // Another machine with no key makes none of its own.
      const elsewhere = dataDir();
      await assert.rejects(openPostgresKeyring(sql, elsewhere, undefined), /^Error: PATIENT_DATA_KEY is not set/);
      assert.equal(fs.existsSync(path.join(path.dirname(elsewhere), 'thread.key')), false);
      // Another key: refused, in one line.
      const other = await openPostgresKeyring(sql, dataDir(), { current: newDataKey(), previous: [] }).then(() => undefined, (error: Error) => error);
      assert.match(other!.message, /^PATIENT_DATA_KEY: this database's patient data is sealed with data key [0-9a-f]{16}/);
      assert.equal(other!.message.split('\n').length, 1);
    });
  });

  test('a rotation: the new key with the old as previous passes and takes over the check; the old key alone is refused after', async () => {
    await withPool(async (pool) => {
      const sql = pgExecutor(pool);
      const oldKey = newDataKey();
      const newKey = newDataKey();
      await checkDataKey(sql, openKeyring(':memory:', { current: oldKey, previous: [] }));
      await checkDataKey(sql, openKeyring(':memory:', { current: newKey, previous: [oldKey] }));
      await checkDataKey(sql, openKeyring(':memory:', { current: newKey, previous: [] }));
      await assert.rejects(checkDataKey(sql, openKeyring(':memory:', { current: oldKey, previous: [] })), /PATIENT_DATA_KEY/);
    });
  });
});

describe('the PostgreSQL store', () => {
  const keys = (current: Buffer, ...previous: Buffer[]) => ({ current, previous });
  const dataPath = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thread-pg-store-')), 'thread.sqlite');

  /** The stores of two processes on one fresh database, with the same data key. */
  async function twoProcessesStores() {
    const url = await freshDatabaseUrl();
    const key = newDataKey();
    return Promise.all([
      createPostgresStore(url, { databasePath: dataPath(), dataKeys: keys(key) }),
      createPostgresStore(url, { databasePath: dataPath(), dataKeys: keys(key) }),
    ]);
  }

  test('a write that throws leaves nothing; writes that read before they write, run at once on two processes, act as if one after the other', async () => {
    const [one, two] = await twoProcessesStores();
    try {
      await assert.rejects(
        one.write(async (tx) => {
          await tx.sql.run("INSERT INTO rate_events (key, at) VALUES ('undone', 1)");
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.equal((await one.sql.get<{ n: number }>("SELECT count(*) AS n FROM rate_events WHERE key = 'undone'"))!.n, 0);
      // Each write counts, then adds only if there was none: at most one row, whichever store ran it.
      const addIfNone = (store: typeof one) =>
        store.write(async (tx) => {
          const { n } = (await tx.sql.get<{ n: number }>("SELECT count(*) AS n FROM rate_events WHERE key = 'once'"))!;
          if (n === 0) await tx.sql.run("INSERT INTO rate_events (key, at) VALUES ('once', 1)");
          return n;
        });
      const seen = await Promise.all(Array.from({ length: 16 }, (_, i) => addIfNone(i % 2 ? one : two)));
      assert.equal((await two.sql.get<{ n: number }>("SELECT count(*) AS n FROM rate_events WHERE key = 'once'"))!.n, 1);
      assert.equal(seen.filter((n) => n === 0).length, 1, 'one write saw none and added it; every other saw it');
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  test('READ COMMITTED writes that count under a doctor lock, run at once on two processes, act as if one after the other', async () => {
    const [one, two] = await twoProcessesStores();
    try {
      await seedPractice(one.sql, 'p1', 'l1');
      await seedClient(one.sql);
      // The count is read behind the lock, in the same round trip as it: it must still see every earlier holder's commit.
      const addNext = (store: typeof one, i: number) =>
        store.write(
          async (tx) => {
            await tx.bookings.lockDoctor('p1', 'd1');
            const { n } = (await tx.sql.get<{ n: number }>("SELECT count(*) AS n FROM bookings WHERE doctor_id = 'd1'"))!;
            await tx.sql.run(INSERT_BOOKING, booking({ id: `b${i}`, start_at: now + n * 3_600_000, end_at: now + n * 3_600_000 + 30 * 60_000 }));
            return n;
          },
          { isolation: 'read committed' },
        );
      const counts = await Promise.all(Array.from({ length: 24 }, (_, i) => addNext(i % 2 ? one : two, i)));
      assert.deepEqual([...counts].sort((a, b) => a - b), Array.from({ length: 24 }, (_, i) => i), 'each write saw all the earlier ones');
      // A write sent ahead that fails (a location that does not exist: the practice guard refuses it): the
      // transaction fails with that failure, not the aborted statements' behind it, and nothing is committed.
      await assert.rejects(
        one.write(
          async (tx) => {
            await tx.bookings.lockDoctor('p1', 'd2');
            await tx.sql.get('SELECT 1 AS one');
            await tx.bookings.insert(booking({ id: 'nowhere', location_id: 'none', doctor_id: 'd2', held_by: null, hold_expires_at: null }) as never);
            await tx.bookings.insert(booking({ id: 'after', doctor_id: 'd2', held_by: null, hold_expires_at: null }) as never);
          },
          { isolation: 'read committed' },
        ),
        /a booking belongs to its location's practice/,
      );
      assert.equal((await one.sql.get<{ n: number }>("SELECT count(*) AS n FROM bookings WHERE doctor_id = 'd2'"))!.n, 0);
      const isolation = await one.write((tx) => tx.sql.get<{ level: string }>("SELECT current_setting('transaction_isolation') AS level"), { isolation: 'read committed' });
      assert.deepEqual(isolation, { level: 'read committed' });
      assert.deepEqual(await one.write((tx) => tx.sql.get<{ level: string }>("SELECT current_setting('transaction_isolation') AS level")), { level: 'serializable' });
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  test('lapsed holds swept by two processes at once: each released once, by one of them', async () => {
    const [one, two] = await twoProcessesStores();
    try {
      await seedPractice(one.sql, 'p1', 'l1');
      await seedClient(one.sql);
      const held = 40;
      for (let i = 0; i < held; i += 1) {
        await one.sql.run(INSERT_BOOKING, booking({ id: `h${i}`, doctor_id: `d${i}`, status: 'pending' }));
        await one.sql.run("UPDATE bookings SET held_by = 'c', hold_expires_at = :at WHERE id = :id", { at: now + i, id: `h${i}` });
      }
      const sweeps = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).transaction((tx) => tx.bookings.releaseExpiredHolds(now + held))),
      );
      assert.equal(sweeps.reduce((sum, n) => sum + n, 0), held, `released ${sweeps.join(' + ')}`);
      const left = await two.sql.get<{ n: number }>("SELECT count(*) AS n FROM bookings WHERE status <> 'open' OR hold_expires_at IS NOT NULL");
      assert.equal(left!.n, 0);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  test('thread keys rotate-data with the key file moves the data key check: a server with only the old key no longer starts', async () => {
    const url = await freshDatabaseUrl();
    const databasePath = dataPath();
    const cli = await createPostgresStore(url, { databasePath });
    const oldKey = cli.dataKeys.current().key;
    // What the command does: a new key first in the file, then everything sealed again under it.
    const newKey = newDataKey();
    writeKeyFile(cli.dataKeys.file!, [newKey, oldKey]);
    await cli.resealAll();
    await cli.close();
    const error = await createPostgresStore(url, { databasePath: dataPath(), dataKeys: keys(oldKey) }).then(
      (store) => store.close().then(() => undefined),
      (caught: Error) => caught,
    );
    assert.match(error?.message ?? 'started', /^PATIENT_DATA_KEY: /);
    const withNewKey = await createPostgresStore(url, { databasePath: dataPath(), dataKeys: keys(newKey) });
    await withNewKey.close();
  });
});
