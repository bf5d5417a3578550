// Which engine a test run's servers use, and the database each gets on it. npm test runs the suite twice:
// on SQLite (a fresh file per test database, as always) and on PostgreSQL, where TEST_DATABASE_URL names a
// server (the private cluster scripts/pg-cluster.mjs starts, or PG_TEST_URL). There every test database path
// stands for a fresh PostgreSQL database `t_<random>`, created when the first server on it starts, so tests
// that share a database by sharing its path (two apps, a restart, the CLI) share it on either engine.
// The databases a test file made are dropped when its process is done with them.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sqliteExecutor, type Executor } from '../../server/db/executor.js';
import { openStore } from '../../server/db/open-store.js';
import { pgExecutor } from '../../server/db/postgres/executor.js';
import type { Store } from '../../server/db/store-types.js';

const adminUrl = process.env.TEST_DATABASE_URL || undefined;

/** The engine this run's servers use. */
export const engine: 'sqlite' | 'postgres' = adminUrl ? 'postgres' : 'sqlite';

/** The PostgreSQL database made for each test database path in this process, and its creation. */
const databases = new Map<string, { name: string; created: Promise<unknown> }>();
let pending: Promise<unknown> = Promise.resolve();
let dropOnExit = false;

function urlOf(name: string): string {
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return url.href;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * On PostgreSQL: the URL of the database that stands for `databasePath`, created on first use. On SQLite:
 * undefined (the server opens the file itself).
 */
export async function databaseUrlFor(databasePath: string): Promise<string | undefined> {
  if (!adminUrl) return undefined;
  const known = databases.get(databasePath);
  if (known) {
    // Servers starting together on one path wait for the one creation.
    await known.created;
    return urlOf(known.name);
  }
  const name = `t_${randomBytes(8).toString('hex')}`;
  // One CREATE DATABASE at a time per process: PostgreSQL copies the template under a lock anyway.
  const created = pending.then(() => admin((client) => client.query(`CREATE DATABASE ${name}`)));
  pending = created.catch(() => undefined);
  databases.set(databasePath, { name, created });
  try {
    await created;
  } catch (error) {
    databases.delete(databasePath);
    throw error;
  }
  if (!dropOnExit) {
    dropOnExit = true;
    process.once('beforeExit', () => void dropDatabases());
  }
  return urlOf(name);
}

/**
 * The environment a server process or the CLI needs for the database at `databasePath` on this run's
 * engine: DATABASE_PATH always (files such as the key file go beside it), DATABASE_URL on PostgreSQL.
 * On PostgreSQL the database must have been made already (a server started on it).
 */
export function databaseEnv(databasePath: string): { DATABASE_PATH: string; DATABASE_URL?: string } {
  if (!adminUrl) return { DATABASE_PATH: databasePath };
  const known = databases.get(databasePath);
  if (!known) throw new Error(`no PostgreSQL database for ${databasePath} yet: start a server on it first (databaseUrlFor)`);
  return { DATABASE_PATH: databasePath, DATABASE_URL: urlOf(known.name) };
}

/** Drops every database this process made (its servers' connections too: the file's tests are over). */
async function dropDatabases(): Promise<void> {
  const names = [...databases.values()].map((known) => known.name);
  databases.clear();
  dropOnExit = false;
  if (names.length === 0) return;
  await admin(async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }).catch((error: Error) => process.stderr.write(`could not drop the test databases ${names.join(', ')}: ${error.message}\n`));
}

/** A connection of a test's own to a server's database, as another process (or an operator) would have. */
export interface TestDatabase extends Executor {
  close(): Promise<void>;
}

/**
 * Opens the database that stands for `databasePath` on this run's engine, for tests that look at (or move)
 * stored rows directly: SQL in the subset both engines read, `:name` parameters (see server/db/executor.ts).
 */
export async function openTestDatabase(databasePath: string): Promise<TestDatabase> {
  if (!adminUrl) {
    const db = new Database(databasePath);
    db.pragma('busy_timeout = 5000');
    return { ...sqliteExecutor(db), close: async () => void db.close() };
  }
  const client = new pg.Client({ connectionString: databaseEnv(databasePath).DATABASE_URL });
  await client.connect();
  return { ...pgExecutor(client), close: () => client.end() };
}

/** The store a server would open on the database that stands for `databasePath`, for tests that set one up first. */
export async function openTestStore(databasePath: string): Promise<Store> {
  const databaseUrl = await databaseUrlFor(databasePath);
  return openStore({ databasePath, databaseUrl, cache: true, log: () => {} });
}

/** The tables of a test database (not the engine's own). */
export async function tableNames(db: TestDatabase): Promise<string[]> {
  const sql =
    db.engine === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name";
  return (await db.all<{ name: string }>(sql)).map((row) => row.name);
}
