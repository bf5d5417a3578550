// Fresh PostgreSQL databases for tests, made in the server TEST_DATABASE_URL names (the test runner's
// private cluster) and dropped when the test file's tests are done.
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';

/** The server tests may create databases in; tests of the PostgreSQL engine need it. */
export function testDatabaseServer(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL tests need a server they may create databases in');
  return url;
}

const made: string[] = [];
// Registered as the module loads, so on the test file's root: the databases go once all its tests are done.
// Not forced: one a server of the file still has open is left to the cluster's own teardown, rather than
// cutting that server off while its file's last checks run.
after(async () => {
  if (made.length === 0) return;
  const admin = new pg.Client({ connectionString: testDatabaseServer() });
  await admin.connect();
  for (const database of made.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  await admin.end();
});

/** The URL of a new, empty database (dropped after this file's tests); `icuLocale` sorts its text by that locale. */
export async function freshDatabaseUrl(options: { icuLocale?: string } = {}): Promise<string> {
  const server = testDatabaseServer();
  const name = `thread_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    const locale = options.icuLocale ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale.replace(/'/g, '')}'` : '';
    await admin.query(`CREATE DATABASE ${name}${locale}`);
  } finally {
    await admin.end();
  }
  made.push(name);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.href;
}
