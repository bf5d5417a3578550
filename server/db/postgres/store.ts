import type pg from 'pg';
import { checkDataKey } from '../data-key-check.js';
import type { Executor } from '../executor.js';
import type { DataKeys } from '../keyring.js';
import { createRepos, type Repos } from '../repos.js';
import { resealAll } from '../sealed-rows.js';
import { passThroughCache, type Store } from '../store-types.js';
import { openPostgres } from './connect.js';
import { openPostgresKeyring } from './data-key.js';
import { pgExecutor } from './executor.js';
import { createGeneration } from './generation.js';
import { LockBusy } from './lock-busy.js';

export interface PostgresStoreOptions {
  /** Where the key file lives when PATIENT_DATA_KEY is not set: beside DATABASE_PATH (see data-key.ts). */
  databasePath: string;
  dataKeys?: DataKeys;
  /** false (CACHE=off): every read goes to the database. */
  cache?: boolean;
  /** Connections kept open at most. */
  maxConnections?: number;
  /** A connection that failed while idle; the pool opens another when next asked. */
  onError?: (error: Error) => void;
}

/** serialization_failure, deadlock_detected: the transaction lost a race and is run again from the start. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 30;

/**
 * The data layer on PostgreSQL: the same data modules (repos.ts) over a pool for reads, and over one
 * connection of the pool for each transaction.
 *
 * Every write runs SERIALIZABLE. The domain's writes read before they write (is the booking still
 * open, does the doctor have another booking then, how many holds has this network, was this
 * Idempotency-Key used): on SQLite one process at a time writes, so what a write read is still true
 * when it commits. SERIALIZABLE gives the writes of every process sharing the database the same
 * promise: any two whose outcome depends on the order they ran in, one of them fails with 40001, and
 * runs again from the start (MAX_ATTEMPTS), where it reads what the other wrote. So of N holds of one
 * booking on N processes one wins, and the others are answered 409 as on one process. The doctor lock
 * (bookings.lockDoctor, an advisory lock) makes two writes of one doctor wait for each other instead of
 * failing and running again.
 *
 * Reads outside transactions are kept while the data's generation stays (generation.ts): every committed
 * write moves a row all processes read as each request begins, so a request sees every commit made before
 * it was sent, by any process. Kept answers (served before Koa, with no look at the database) stay off.
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions): Promise<Store> {
  const pool = await openPostgres(url, { max: options.maxConnections, onError: options.onError });
  let store: Store;
  try {
    store = await storeOver(pool, options);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return store;
}

/** Reads only; anything else (an UPDATE, an INSERT, a WITH that may write) changes the data. */
const READ = /^\s*SELECT\b/i;

/**
 * The store's own executor (the pool, each statement committed alone, as the CLI and tests write a
 * client's revocation, say): after every statement that may write, the generation moves, as after a
 * transaction, so no process keeps a read from before it.
 */
function writesMoveGeneration(ex: Executor, moved: (sql: Executor) => Promise<void>): Executor {
  const after = async <T>(sql: string, result: Promise<T>): Promise<T> => {
    const value = await result;
    if (!READ.test(sql)) await moved(ex);
    return value;
  };
  return {
    engine: ex.engine,
    all: (sql, params) => after(sql, ex.all(sql, params)),
    get: (sql, params) => after(sql, ex.get(sql, params)),
    run: (sql, params) => after(sql, ex.run(sql, params)),
  };
}

async function storeOver(pool: pg.Pool, options: PostgresStoreOptions): Promise<Store> {
  const ex = pgExecutor(pool);
  const keyring = await openPostgresKeyring(ex, options.databasePath, options.dataKeys);
  const generation = createGeneration(ex, { enabled: options.cache });
  const repos = createRepos(writesMoveGeneration(ex, generation.moved), { keyring, cache: generation.cache });

  async function transaction<T>(work: (tx: Repos) => Promise<T>): Promise<T> {
    /** Advisory locks an earlier attempt found held: waited for before BEGIN, in one order (LockBusy). */
    const waitFor: string[] = [];
    for (let attempt = 1; ; attempt += 1) {
      const client = await pool.connect();
      let broken = false;
      let committed = false;
      let locked = 0;
      let busy = false;
      try {
        for (const key of waitFor) {
          await client.query({ text: 'SELECT pg_advisory_lock(hashtext($1))', values: [key] });
          locked += 1;
        }
        await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        const value = await work(createRepos(pgExecutor(client), { keyring, cache: passThroughCache }));
        await client.query('COMMIT');
        committed = true;
        await generation.moved(pgExecutor(client));
        return value;
      } catch (error) {
        // Committed but the generation not moved (the connection failed): the work is done, and other
        // processes' kept reads lapse within the generation's maxAgeMs.
        if (committed) {
          broken = true;
          throw error;
        }
        // A connection that cannot even roll back is not given back to the pool.
        await client.query('ROLLBACK').catch(() => (broken = true));
        if (error instanceof LockBusy && attempt < MAX_ATTEMPTS) {
          if (!waitFor.includes(error.key)) waitFor.push(error.key);
          waitFor.sort();
          busy = true;
        } else {
          const code = (error as { code?: string }).code;
          if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
        }
      } finally {
        // The session's locks go once the transaction has committed or rolled back; with a broken connection, with it.
        for (const key of waitFor.slice(0, locked)) {
          if (broken) break;
          await client.query({ text: 'SELECT pg_advisory_unlock(hashtext($1))', values: [key] }).catch(() => (broken = true));
        }
        client.release(broken);
      }
      // Apart at random, so the writes that collided do not collide again (a busy lock is waited for instead).
      if (!busy) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
    }
  }

  return {
    ...repos,
    dataKeys: keyring,
    // The data key check moves to the key everything is now sealed under: a server with only the old key may no longer start.
    resealAll: () =>
      transaction(async (tx) => {
        const counts = await resealAll(tx.sql, keyring);
        await checkDataKey(tx.sql, keyring);
        return counts;
      }),
    cached: (key, read, bytes) => generation.cache.bookings(key, read, bytes),
    refresh: generation.current,
    catchUp: () => generation.catchUp(),
    generation: generation.current,
    write: transaction,
    transaction,
    /** Waits for the transactions in flight to give their connections back, then closes them all. */
    close: () => pool.end(),
  };
}
