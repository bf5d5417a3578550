// Start-up configuration (CONTRACT section 1): every variable is optional, and a bad value stops start-up
// with one line naming the variable.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../server/config.js';
import { tempDatabasePath } from './helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const UPSTREAM = {
  THREAD_ISSUER: 'https://auth.example.com',
  THREAD_API_URL: 'https://api.example.com',
  THREAD_CLIENT_ID: 'bff',
  THREAD_CLIENT_SECRET: 's3cret',
};

function rejects(env: Record<string, string>, variable: string) {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `a ConfigError for ${JSON.stringify(env)}, got ${error}`);
      assert.ok(error.message.includes(variable), `"${error.message}" names ${variable}`);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    },
  );
}

describe('loadConfig', () => {
  test('with nothing set: port 3000 on 127.0.0.1, ./data/thread.sqlite, http://localhost:3000, holds of 10 minutes, the BFF on this server', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databasePath, path.resolve('data/thread.sqlite'));
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.equal(config.holdMinutes, 10);
    assert.equal(config.upstream, undefined);
    assert.equal(typeof config.now(), 'number');
  });

  test('takes every variable', () => {
    const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', DATABASE_PATH: '/tmp/x/thread.sqlite', PUBLIC_URL: 'https://book.example.com/', HOLD_MINUTES: '15', ...UPSTREAM });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.databasePath, '/tmp/x/thread.sqlite');
    assert.equal(config.publicUrl, 'https://book.example.com', 'without a trailing slash');
    assert.equal(config.holdMinutes, 15);
    assert.deepEqual(config.upstream, { issuer: 'https://auth.example.com', apiUrl: 'https://api.example.com', clientId: 'bff', clientSecret: 's3cret' });
    assert.equal(loadConfig({ PORT: '4000' }).publicUrl, 'http://localhost:4000', 'the public URL follows PORT');
  });

  test('a bad PORT is one message naming PORT', () => {
    for (const port of ['abc', '-1', '65536', '3.5', '80 ', '0x50', '1e3']) rejects({ PORT: port }, 'PORT');
  });

  test('CACHE, THREAD_DEMO: on by default; off turns them off; anything else is one message naming the variable', () => {
    assert.equal(loadConfig({}).cache, true);
    assert.equal(loadConfig({ CACHE: 'off' }).cache, false);
    assert.equal(loadConfig({}).demo, true);
    assert.equal(loadConfig({ THREAD_DEMO: 'off' }).demo, false);
    rejects({ CACHE: 'no' }, 'CACHE');
    rejects({ THREAD_DEMO: 'false' }, 'THREAD_DEMO');
  });

  test('WEBHOOKS_ALLOW_HTTP: off unless set to loopback; anything else is one message naming it', () => {
    assert.equal(loadConfig({}).webhooksAllowLoopback, false);
    assert.equal(loadConfig({ WEBHOOKS_ALLOW_HTTP: 'loopback' }).webhooksAllowLoopback, true);
    for (const value of ['on', 'true', 'any', 'LOOPBACK']) rejects({ WEBHOOKS_ALLOW_HTTP: value }, 'WEBHOOKS_ALLOW_HTTP');
  });

  test('a bad HOLD_MINUTES is one message naming HOLD_MINUTES', () => {
    for (const minutes of ['0', 'ten', '-5', '1.5', '100000']) rejects({ HOLD_MINUTES: minutes }, 'HOLD_MINUTES');
  });

  test('PATIENT_RETENTION_DAYS: 365 unless set; a bad one is one message naming PATIENT_RETENTION_DAYS', () => {
    assert.equal(loadConfig({}).patientRetentionDays, 365);
    assert.equal(loadConfig({ PATIENT_RETENTION_DAYS: '30' }).patientRetentionDays, 30);
    for (const days of ['0', 'a year', '-1', '1.5', '3651']) rejects({ PATIENT_RETENTION_DAYS: days }, 'PATIENT_RETENTION_DAYS');
  });

  test('a bad PUBLIC_URL is one message naming PUBLIC_URL', () => {
    for (const url of ['localhost:3000', 'not a url', 'ftp://example.com', '/relative', 'https://example.com/?x=1', 'https://example.com/#top', 'https://user:pw@example.com']) {
      rejects({ PUBLIC_URL: url }, 'PUBLIC_URL');
    }
  });

  test('DATABASE_URL: SQLite unless set; a postgres(ql):// URL selects PostgreSQL; anything else is one message naming DATABASE_URL, never echoed', () => {
    assert.equal(loadConfig({}).databaseUrl, undefined);
    for (const url of ['postgres://thread:pw@db.internal:5432/thread', 'postgresql://localhost/thread', 'postgres:///thread?host=/var/run/postgresql']) {
      assert.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url);
    }
    for (const url of ['mysql://u:hunter2@db/thread', 'db.internal:5432', 'not a url hunter2', 'https://db.internal/thread']) {
      rejects({ DATABASE_URL: url }, 'DATABASE_URL');
      assert.throws(() => loadConfig({ DATABASE_URL: url }), (error: Error) => !error.message.includes('hunter2'));
    }
  });

  test('a bad HOST is one message naming HOST', () => {
    for (const host of ['not a host', 'http://localhost', 'localhost:3000', 'a/b']) rejects({ HOST: host }, 'HOST');
    for (const host of ['localhost', '0.0.0.0', '::', '::1', '192.168.1.10', 'my-host.internal']) assert.equal(loadConfig({ HOST: host }).host, host);
  });

  test('THREAD_* are all or nothing: a partial set names what is missing; a bad URL names its variable', () => {
    for (const name of Object.keys(UPSTREAM)) {
      const partial: Record<string, string> = { ...UPSTREAM };
      delete partial[name];
      rejects(partial, name);
    }
    rejects({ THREAD_ISSUER: 'https://auth.example.com' }, 'THREAD_API_URL');
    rejects({ ...UPSTREAM, THREAD_ISSUER: 'nope' }, 'THREAD_ISSUER');
    rejects({ ...UPSTREAM, THREAD_API_URL: 'ftp://api.example.com' }, 'THREAD_API_URL');
  });
});

describe('server/main.ts', () => {
  function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', 'server/main.ts'],
        { cwd: root, env: { ...process.env, DATABASE_PATH: tempDatabasePath(), ...env }, timeout: 20_000 },
        (error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
  }

  test('PORT=abc: exit 1 with one line naming PORT, before touching anything', async () => {
    const run = await start({ PORT: 'abc' });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /PORT/);
  });

  test('PATIENT_RETENTION_DAYS=0: exit 1 with one line naming PATIENT_RETENTION_DAYS', async () => {
    const run = await start({ PORT: '0', PATIENT_RETENTION_DAYS: '0' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /PATIENT_RETENTION_DAYS/);
  });

  test('a partial THREAD_* set: exit 1 with one line naming the missing variable', async () => {
    const run = await start({ PORT: '0', THREAD_ISSUER: 'https://auth.example.com' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /THREAD_API_URL/);
  });

  test('a DATABASE_URL that cannot be reached: exit 1 with one line naming DATABASE_URL, without its password', async () => {
    for (const url of ['postgres://thread:s3cret-pw@127.0.0.1:1/thread', 'postgresql://thread:s3cret-pw@no-such-host.invalid/thread']) {
      const run = await start({ PORT: '0', DATABASE_URL: url });
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /DATABASE_URL/);
      assert.doesNotMatch(run.stderr, /s3cret-pw/);
    }
  });

  test('a DATABASE_PATH that cannot be a database: exit 1 with one line naming DATABASE_PATH', async () => {
    const directory = path.dirname(tempDatabasePath());
    const notADatabase = path.join(directory, 'notes.txt');
    fs.writeFileSync(notADatabase, 'these are not the tables you are looking for\n'.repeat(100));
    for (const file of [directory, notADatabase]) {
      const run = await start({ PORT: '0', DATABASE_PATH: file });
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /DATABASE_PATH/);
    }
  });
});
