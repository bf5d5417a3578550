// Patient data at rest (CONTRACT section 11) in SQLite's files: the data directory and every file of the
// database are the owner's alone, a copy of the file without the key file holds no secret, and a file from
// before sealing is sealed at start-up. SQLite only (scripts/test.mjs); the rest, on both engines: at-rest.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { PATIENT } from './bff-helpers.js';
import { assertNoneIn, cliOk, filesBeside, freshDatabasePath, mode, practiceProcess, processStarter, stop } from './at-rest-helpers.js';
import { addClient, api, getToken, startServer } from './helpers/server.js';

const start = processStarter();

describe('patient data at rest in SQLite files', () => {
  test('the data directory is 0700 and the database, its log files and the key file 0600, from the server and from the CLI', async () => {
    const { server, databasePath } = await practiceProcess(start);
    const dir = path.dirname(databasePath);
    assert.equal(mode(dir), 0o700);
    for (const name of ['thread.sqlite', 'thread.sqlite-wal', 'thread.sqlite-shm', 'thread.key']) {
      assert.equal(mode(path.join(dir, name)), 0o600, name);
    }
    await stop(server);

    const byCli = freshDatabasePath();
    cliOk({ DATABASE_PATH: byCli }, 'practices', 'create', '--name', 'Made by the CLI');
    assert.equal(mode(path.dirname(byCli)), 0o700);
    const names = fs.readdirSync(path.dirname(byCli));
    assert.ok(names.includes('thread.sqlite') && names.includes('thread.key'), names.join(' '));
    for (const name of names) assert.equal(mode(path.join(path.dirname(byCli), name)), 0o600, name);
  });

  test('a copy of the database without the key file holds no private key, and a server cannot start on it', async () => {
    const { server, databasePath } = await practiceProcess(start);
    await stop(server);
    const db = new Database(databasePath, { readonly: true });
    const rows = db.prepare('SELECT * FROM signing_keys').all() as Array<Record<string, unknown>>;
    db.close();
    assert.ok(rows.length > 0);
    for (const row of rows) assert.ok(!JSON.stringify(row).includes('"d"'), 'no private JWK in clear');
    for (const [name, bytes] of filesBeside(databasePath)) assert.ok(!bytes.includes('"d":'), `a private JWK in clear in ${name}`);

    const copy = freshDatabasePath();
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(databasePath, copy);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, PORT: '0', DATABASE_PATH: copy }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /sealed with data key [0-9a-f]+, which this server does not have/);
  });

  test('sign-ups and the signing key written before sealing existed are sealed at start-up, and still work', async () => {
    const databasePath = freshDatabasePath();
    fs.mkdirSync(path.dirname(databasePath), { recursive: true });
    // The signing key as servers before sealing kept it: the private JWK in clear.
    const pair = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const legacyKey = { kid, alg: 'ES256', private_jwk: JSON.stringify(await exportJWK(pair.privateKey)), public_jwk: JSON.stringify({ ...publicJwk, kid, alg: 'ES256', use: 'sig' }) };
    const db = new Database(databasePath);
    db.pragma('journal_mode = WAL');
    for (const name of ['001-init.sql', '002-bff-holds-booking.sql', '003-doctor-series.sql']) {
      db.exec(fs.readFileSync(path.join('server/db/migrations', name), 'utf8'));
    }
    db.pragma('user_version = 3');
    const now = Date.now();
    db.prepare('INSERT INTO practices (id, name, created_at) VALUES (?, ?, ?)').run('P1', 'Old Practice', now);
    db.prepare('INSERT INTO locations (id, practice_id, name, timezone, created_at) VALUES (?, ?, ?, ?, ?)').run('loc1', 'P1', 'Main', 'America/Chicago', now);
    db.prepare("INSERT INTO clients (id, name, secret_hash, scopes, created_at) VALUES ('old-pms', 'old', 'x', 'scheduling:write', ?)").run(now);
    db.prepare(
      `INSERT INTO bookings (id, location_id, doctor_id, start_at, start_offset, length, end_at, status, recurring, created_by, created_at, updated_at)
       VALUES ('old-booking', 'loc1', 'D1', ?, -360, 30, ?, 'booked', 0, 'old-pms', ?, ?)`,
    ).run(now + 86_400_000, now + 86_400_000 + 1_800_000, now, now);
    db.prepare('INSERT INTO sign_ups (booking_id, first_name, last_name, email, phone, date_of_birth, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      'old-booking', PATIENT.first_name, PATIENT.last_name, PATIENT.email, PATIENT.phone, PATIENT.date_of_birth, now,
    );
    db.prepare('INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)').run(
      legacyKey.kid, legacyKey.alg, legacyKey.private_jwk, legacyKey.public_jwk, now,
    );
    db.close();
    assert.ok(fs.readFileSync(databasePath).includes(PATIENT.email), 'the old database has the patient in clear');

    const server = await startServer({ databasePath });
    try {
      const client = await addClient(server, { id: 'pms', scopes: ['scheduling:read', 'scheduling:patients'], practices: '*' });
      const token = await getToken(server.url, client);
      assert.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid, legacyKey.kid, 'the old key still signs');
      const read = await api(server.url, token)('GET', '/scheduling/bookings/old-booking/patient');
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, PATIENT);
      assertNoneIn(filesBeside(databasePath), [...Object.values(PATIENT), '"d":']);
    } finally {
      await server.close();
    }
    assertNoneIn(filesBeside(databasePath), [...Object.values(PATIENT), '"d":']);
  });
});
