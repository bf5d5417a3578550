// Patient data at rest (CONTRACT section 11): sign-ups and the token-signing key are sealed under a key
// kept outside the database, and both keys rotate while servers run. Real server processes and the real
// CLI, on the run's engine (a SQLite file, or a PostgreSQL database). What only SQLite files have (their
// modes, a copy of the file, an old file's migration): at-rest-files.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PATIENT, schedule } from './bff-helpers.js';
import { assertNoneIn, bookThroughBff, cli, cliOk, filesBeside, freshDatabasePath, mode, practiceProcess, processStarter, SECOND_PATIENT, stop } from './at-rest-helpers.js';
import { databaseEnv, engine, openTestDatabase } from './helpers/database.js';
import { api, getToken } from './helpers/server.js';

const start = processStarter();

/**
 * Everything the database holds, as bytes to search: on SQLite every file in its directory (the database,
 * its -wal and -shm, the key file); on PostgreSQL every row of every table, as text.
 */
async function storedContents(databasePath: string): Promise<Map<string, Buffer>> {
  if (engine === 'sqlite') return filesBeside(databasePath);
  const db = await openTestDatabase(databasePath);
  try {
    const tables = await db.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
    const contents = new Map<string, Buffer>();
    for (const { name } of tables) {
      const rows = await db.all<{ row: string }>(`SELECT CAST(t AS text) AS row FROM "${name}" t`);
      contents.set(`table ${name}`, Buffer.from(rows.map((r) => r.row).join('\n')));
    }
    return contents;
  } finally {
    await db.close();
  }
}

describe('patient data at rest', () => {
  test('a booked patient\'s name, email, phone and date of birth are nowhere in the database nor the logs; the API still returns them', async () => {
    const { server, databasePath, owner } = await practiceProcess(start);
    const id = await bookThroughBff(server, owner, PATIENT);
    const read = await owner('GET', `/scheduling/bookings/${id}/patient`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, PATIENT);

    const files = await storedContents(databasePath);
    if (engine === 'sqlite') assert.ok(files.has('thread.sqlite-wal') && files.get('thread.sqlite-wal')!.length > 0, 'read while the server runs: the log holds the latest writes');
    assert.ok([...files.values()].some((bytes) => bytes.includes(Buffer.from(id))), 'what is read holds the booking');
    const logs = new Map([['stdout', Buffer.from(server.stdout())], ['stderr', Buffer.from(server.stderr())]]);
    assert.ok(server.stdout().includes('/bff/v1/holds/confirm'), 'the request log was captured');
    assertNoneIn(new Map([...files, ...logs]), Object.values(PATIENT));
    await stop(server);
    assertNoneIn(await storedContents(databasePath), Object.values(PATIENT));
  });

  test('the token-signing key is sealed: no private JWK in clear anywhere in the database', async () => {
    const { server, databasePath } = await practiceProcess(start);
    await stop(server);
    const db = await openTestDatabase(databasePath);
    const rows = await db.all<Record<string, unknown>>('SELECT * FROM signing_keys').finally(() => db.close());
    assert.ok(rows.length > 0);
    for (const row of rows) assert.ok(!JSON.stringify(row).includes('"d"'), 'no private JWK in clear');
    const stored = await storedContents(databasePath);
    assert.ok([...stored.values()].some((bytes) => bytes.includes(Buffer.from(String(rows[0].kid)))), 'what is read holds the key');
    for (const [name, bytes] of stored) assert.ok(!bytes.includes('"d":'), `a private JWK in clear in ${name}`);
  });

  test('signing key rotation: tokens signed before and after verify on servers started before and after; the old key is kept while its tokens live', async () => {
    const { server: first, databasePath, cliEnv, pms } = await practiceProcess(start);
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
    const db = await openTestDatabase(databasePath);
    await db.run('UPDATE signing_keys SET created_at = created_at - 3600000').finally(() => db.close());
    const dropped = cliOk(cliEnv, 'keys', 'drop-previous-signing');
    assert.deepEqual(dropped, { signing_kid: rotated.signing_kid, dropped_kids: [kidOf(before)] });
    const fresh = await getToken(second.url, pms);
    assert.equal((await api(first.url, fresh)('GET', '/scheduling/practices')).status, 200);
  });

  test('data key rotation with the key file, while a server runs: old and new sign-ups read, then the old key is dropped', async () => {
    const { server, databasePath, cliEnv, pms } = await practiceProcess(start);
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
    const { server, databasePath, pms, owner } = await practiceProcess(start, { PATIENT_DATA_KEY: oldKey });
    const id = await bookThroughBff(server, owner, PATIENT);
    assert.ok(!fs.existsSync(path.join(path.dirname(databasePath), 'thread.key')), 'no key file when the key is given');
    await stop(server);

    const without = cli({ ...databaseEnv(databasePath), PATIENT_DATA_KEY: newKey }, 'keys', 'rotate-data');
    assert.equal(without.status, 1);
    assert.match(without.stderr, /PATIENT_DATA_KEY_PREVIOUS/);
    const rotated = cliOk({ ...databaseEnv(databasePath), PATIENT_DATA_KEY: newKey, PATIENT_DATA_KEY_PREVIOUS: oldKey }, 'keys', 'rotate-data');
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
    const { server: first, databasePath } = await practiceProcess(start);
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
