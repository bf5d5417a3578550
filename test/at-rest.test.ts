// Patient data at rest (CONTRACT section 11): sign-ups and the token-signing key are sealed under a key
// kept outside the database, the files are the owner's alone, and both keys rotate while servers run.
// Real server processes and the real CLI over real SQLite files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { SignUp } from '../shared/types.js';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { confirm, hold, openBooking, PATIENT, schedule, SITE } from './bff-helpers.js';
import { startServerProcess, type ServerProcess } from './helpers/process.js';
import { addClient, api, getToken, startServer } from './helpers/server.js';

const running: ServerProcess[] = [];
after(async () => {
  for (const server of running) await stop(server);
});

async function stop(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

async function start(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  running.push(server);
  return server;
}

/** A database path in a directory that does not exist yet: the server or the CLI makes it. */
function freshDatabasePath(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'thread-at-rest-')), 'data', 'thread.sqlite');
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr, json: () => JSON.parse(result.stdout) as Record<string, any> };
}

function cliOk(env: NodeJS.ProcessEnv, ...args: string[]): Record<string, any> {
  const result = cli(env, ...args);
  assert.equal(result.status, 0, result.stderr);
  return result.json();
}

/** A server process with practice P1, its site and a practice system client that may read sign-ups. */
async function practiceProcess(env: NodeJS.ProcessEnv = {}) {
  const databasePath = freshDatabasePath();
  const server = await start({ DATABASE_PATH: databasePath, ...env });
  const cliEnv = { DATABASE_PATH: databasePath, ...env };
  cliOk(cliEnv, 'practices', 'create', '--id', 'P1', '--name', 'At Rest Orthodontics');
  cliOk(cliEnv, 'locations', 'create', '--id', 'loc1', '--practice', 'P1', '--name', 'Main', '--timezone', 'America/Chicago');
  cliOk(cliEnv, 'sites', 'create', '--origin', SITE, '--practice', 'P1');
  const made = cliOk(cliEnv, 'clients', 'create', '--name', 'pms', '--scopes', 'scheduling:read scheduling:write scheduling:patients', '--practices', 'P1');
  const pms = { id: made.client_id as string, secret: made.client_secret as string };
  return { server, databasePath, cliEnv, pms, owner: api(server.url, await getToken(server.url, pms)) };
}

let nextHour = 24;
/** Books an open time through the BFF as a patient on the practice's site would; returns the booking id. */
async function bookThroughBff(server: { url: string }, owner: ReturnType<typeof api>, patient: SignUp): Promise<string> {
  nextHour += 1;
  const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + nextHour * 3_600_000).toISOString();
  const booking = await openBooking(owner, { start, doctor_id: `D${nextHour}` });
  const held = await hold(server, booking);
  assert.equal(held.status, 201, held.text);
  const booked = await confirm(server, held.body.hold_token, patient);
  assert.equal(booked.status, 200, booked.text);
  return booking.id;
}

/** Every file in the database's directory, as bytes. */
function filesBeside(databasePath: string): Map<string, Buffer> {
  const dir = path.dirname(databasePath);
  return new Map(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

function assertNoneIn(files: Map<string, Buffer>, values: string[]): void {
  for (const [name, bytes] of files) {
    for (const value of values) assert.ok(!bytes.includes(Buffer.from(value)), `"${value}" is in ${name} in clear`);
  }
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

const SECOND_PATIENT: SignUp = { first_name: 'Bartholomew', last_name: 'Wrenfield', email: 'b.wrenfield@example.net', phone: '+1 720 555 0177', date_of_birth: '1954-11-03' };

describe('patient data at rest', () => {
  test('a booked patient\'s name, email, phone and date of birth are in none of the database files nor the logs; the API still returns them', async () => {
    const { server, databasePath, owner } = await practiceProcess();
    const id = await bookThroughBff(server, owner, PATIENT);
    const read = await owner('GET', `/scheduling/bookings/${id}/patient`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, PATIENT);

    const files = filesBeside(databasePath);
    assert.ok(files.has('thread.sqlite-wal') && files.get('thread.sqlite-wal')!.length > 0, 'read while the server runs: the log holds the latest writes');
    const logs = new Map([['stdout', Buffer.from(server.stdout())], ['stderr', Buffer.from(server.stderr())]]);
    assert.ok(server.stdout().includes('/bff/v1/holds/confirm'), 'the request log was captured');
    assertNoneIn(new Map([...files, ...logs]), Object.values(PATIENT));
    await stop(server);
    assertNoneIn(filesBeside(databasePath), Object.values(PATIENT));
  });

  test('the data directory is 0700 and the database, its log files and the key file 0600, from the server and from the CLI', async () => {
    const { server, databasePath } = await practiceProcess();
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
    const { server, databasePath } = await practiceProcess();
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

  test('signing key rotation: tokens signed before and after verify on servers started before and after; the old key is kept while its tokens live', async () => {
    const { server: first, databasePath, cliEnv, pms } = await practiceProcess();
    const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;
    const before = await getToken(first.url, pms);

    const rotated = cliOk(cliEnv, 'keys', 'rotate-signing');
    assert.notEqual(rotated.signing_kid, kidOf(before));
    assert.deepEqual(new Set(rotated.verifying_kids), new Set([rotated.signing_kid, kidOf(before)]));

    // A server started after the rotation (same public URL, so the same issuer) signs with the new key.
    const second = await start({ DATABASE_PATH: databasePath, PUBLIC_URL: first.url });
    const afterwards = await getToken(second.url, pms);
    assert.equal(kidOf(afterwards), rotated.signing_kid);
    for (const server of [first, second]) {
      for (const token of [before, afterwards]) {
        const answer = await api(server.url, token)('GET', '/scheduling/practices');
        assert.equal(answer.status, 200, `${server.url} with a token of key ${kidOf(token)}`);
      }
      const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string; d?: string }> };
      assert.deepEqual(new Set(jwks.keys.map((k) => k.kid)), new Set([rotated.signing_kid, kidOf(before)]));
      assert.ok(jwks.keys.every((k) => k.d === undefined));
    }

    const early = cli(cliEnv, 'keys', 'drop-previous-signing');
    assert.equal(early.status, 1);
    assert.match(early.stderr, /^thread: tokens signed by the previous signing keys may be valid until \S+Z; /);
    assert.equal(early.stderr.trim().split('\n').length, 1);

    // An hour later (the keys' ages moved back by an hour), the old key goes; tokens of the new one still verify.
    const db = new Database(databasePath);
    db.prepare('UPDATE signing_keys SET created_at = created_at - 3600000').run();
    db.close();
    const dropped = cliOk(cliEnv, 'keys', 'drop-previous-signing');
    assert.deepEqual(dropped, { signing_kid: rotated.signing_kid, dropped_kids: [kidOf(before)] });
    const fresh = await getToken(second.url, pms);
    assert.equal((await api(first.url, fresh)('GET', '/scheduling/practices')).status, 200);
  });

  test('data key rotation with the key file, while a server runs: old and new sign-ups read, then the old key is dropped', async () => {
    const { server, databasePath, cliEnv, pms } = await practiceProcess();
    const keyFile = path.join(path.dirname(databasePath), 'thread.key');
    const owner = api(server.url, await getToken(server.url, pms));
    const first = await bookThroughBff(server, owner, PATIENT);
    // A webhook's signing secret is sealed under the data key too.
    cliOk({ ...cliEnv, WEBHOOKS_ALLOW_HTTP: 'loopback' }, 'webhooks', 'create', '--client', pms.id, '--url', 'http://127.0.0.1:9/hooks');

    const rotated = cliOk(cliEnv, 'keys', 'rotate-data');
    assert.deepEqual(rotated.resealed, { sign_ups: 1, signing_keys: 1, webhook_endpoints: 1 });
    assert.equal(rotated.previous_key_ids.length, 1);
    assert.equal(fs.readFileSync(keyFile, 'utf8').trim().split('\n').length, 2);
    assert.equal(mode(keyFile), 0o600);

    // The running server reads what is now under the new key, and seals new sign-ups under it.
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${first}/patient`)).body, PATIENT);
    const second = await bookThroughBff(server, owner, SECOND_PATIENT);

    const dropped = cliOk(cliEnv, 'keys', 'drop-previous-data');
    assert.deepEqual(dropped.resealed, { sign_ups: 0, signing_keys: 0, webhook_endpoints: 0 }, 'the running server sealed the new sign-up under the new key');
    assert.deepEqual(dropped.dropped_key_ids, rotated.previous_key_ids);
    assert.equal(fs.readFileSync(keyFile, 'utf8').trim().split('\n').length, 1);
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${first}/patient`)).body, PATIENT);
    assert.deepEqual((await owner('GET', `/scheduling/bookings/${second}/patient`)).body, SECOND_PATIENT);

    await stop(server);
    const restarted = await start({ DATABASE_PATH: databasePath });
    const again = api(restarted.url, await getToken(restarted.url, pms));
    assert.deepEqual((await again('GET', `/scheduling/bookings/${first}/patient`)).body, PATIENT);
    assert.deepEqual((await again('GET', `/scheduling/bookings/${second}/patient`)).body, SECOND_PATIENT);
  });

  test('data key rotation with PATIENT_DATA_KEY: the old key in PATIENT_DATA_KEY_PREVIOUS, re-sealed, then dropped', async () => {
    const oldKey = Buffer.alloc(32, 7).toString('base64');
    const newKey = Buffer.alloc(32, 9).toString('base64');
    const { server, databasePath, pms, owner } = await practiceProcess({ PATIENT_DATA_KEY: oldKey });
    const id = await bookThroughBff(server, owner, PATIENT);
    assert.ok(!fs.existsSync(path.join(path.dirname(databasePath), 'thread.key')), 'no key file when the key is given');
    await stop(server);

    const without = cli({ DATABASE_PATH: databasePath, PATIENT_DATA_KEY: newKey }, 'keys', 'rotate-data');
    assert.equal(without.status, 1);
    assert.match(without.stderr, /PATIENT_DATA_KEY_PREVIOUS/);
    const rotated = cliOk({ DATABASE_PATH: databasePath, PATIENT_DATA_KEY: newKey, PATIENT_DATA_KEY_PREVIOUS: oldKey }, 'keys', 'rotate-data');
    assert.deepEqual(rotated.resealed, { sign_ups: 1, signing_keys: 1, webhook_endpoints: 0 });
    assert.equal(rotated.key_file, null);

    const restarted = await start({ DATABASE_PATH: databasePath, PATIENT_DATA_KEY: newKey });
    const again = api(restarted.url, await getToken(restarted.url, pms));
    const read = await again('GET', `/scheduling/bookings/${id}/patient`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, PATIENT);
  });

  test('a PATIENT_DATA_KEY or PATIENT_DATA_KEY_PREVIOUS that is not base64 of 32 bytes stops start-up with one line naming it, not echoing it', () => {
    const good = Buffer.alloc(32, 1).toString('base64');
    for (const [name, env] of [
      ['PATIENT_DATA_KEY', { PATIENT_DATA_KEY: 'c2hvcnQta2V5' }],
      ['PATIENT_DATA_KEY', { PATIENT_DATA_KEY: Buffer.alloc(33, 1).toString('base64') }],
      ['PATIENT_DATA_KEY_PREVIOUS', { PATIENT_DATA_KEY: good, PATIENT_DATA_KEY_PREVIOUS: 'c2hvcnQta2V5' }],
    ] as const) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        env: { ...process.env, PORT: '0', DATABASE_PATH: freshDatabasePath(), ...env },
        encoding: 'utf8',
        timeout: 20_000, // a server that starts anyway is killed, and the test fails
      });
      assert.equal(run.status, 1);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], new RegExp(`^thread: ${name} must be the base64 of exactly 32 bytes`));
      assert.ok(!run.stderr.includes('c2hvcnQta2V5'));
    }
  });

  test('a second server process on the same database leaves the first one\'s BFF working (its client secret is stable)', async () => {
    const { server: first, databasePath } = await practiceProcess();
    // The first process has not asked for a BFF token yet: it will after the second has started.
    const second = await start({ DATABASE_PATH: databasePath });
    const fromFirst = await schedule(first);
    assert.equal(fromFirst.status, 200, fromFirst.text);
    const fromSecond = await schedule(second);
    assert.equal(fromSecond.status, 200, fromSecond.text);
    await stop(second);
    const third = await start({ DATABASE_PATH: databasePath });
    assert.equal((await schedule(third)).status, 200);
  });
});
