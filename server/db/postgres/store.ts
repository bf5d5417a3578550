import type pg from 'pg';
import { checkDataKey } from '../data-key-check.js';
import type { DataKeys } from '../keyring.js';
import { createRepos, type Repos } from '../repos.js';
import { resealAll } from '../sealed-rows.js';
import { passThroughCache, type Store } from '../store-types.js';
import { openPostgres } from './connect.js';
import { openPostgresKeyring } from './data-key.js';
import { pgExecutor } from './executor.js';

export interface PostgresStoreOptions {
  /** Where the key file lives when PATIENT_DATA_KEY is not set: beside DATABASE_PATH (see data-key.ts). */
  databasePath: string;
  dataKeys?: DataKeys;
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
 * Nothing is kept between reads (no read cache, no kept answers; `refresh` and `generation` move on
 * every call, which callers read as "the data may have changed"). A kept read could be dropped only
 * when any process commits a change it depends on, before this process's next request reads it; a
 * notification (LISTEN/NOTIFY) arrives some time after the commit it reports, so a client told "done"
 * by one process could still get the old answer from another; a generation row read before every
 * request costs the round trip a kept read would save. Reads here are the indexed queries the
 * SQLite benchmark measured, and the database keeps what they read in its own memory.
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

async function storeOver(pool: pg.Pool, options: PostgresStoreOptions): Promise<Store> {
  const ex = pgExecutor(pool);
  const keyring = await openPostgresKeyring(ex, options.databasePath, options.dataKeys);
  const repos = createRepos(ex, { keyring, cache: passThroughCache });

  async function transaction<T>(work: (tx: Repos) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        const value = await work(createRepos(pgExecutor(client), { keyring, cache: passThroughCache }));
        await client.query('COMMIT');
        return value;
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool.
        await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (error as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        client.release(broken);
      }
      // Apart at random, so the writes that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
    }
  }

  let moves = 0;
  const move = () => (moves += 1);
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
    cached: (_key, read) => read(),
    refresh: move,
    generation: move,
    write: transaction,
    transaction,
    /** Waits for the transactions in flight to give their connections back, then closes them all. */
    close: () => pool.end(),
  };
}
