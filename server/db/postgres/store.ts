import type pg from 'pg';
import { checkDataKey } from '../data-key-check.js';
import type { Executor } from '../executor.js';
import type { DataKeys } from '../keyring.js';
import { createRepos, type Repos } from '../repos.js';
import { resealAll } from '../sealed-rows.js';
import { passThroughCache, type Store, type WriteOptions } from '../store-types.js';
import { openPostgres } from './connect.js';
import { openPostgresKeyring } from './data-key.js';
import { READ, pgExecutor, pgTransactionExecutor } from './executor.js';
import { createGeneration } from './generation.js';

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
 * A write runs SERIALIZABLE unless it says otherwise. The domain's writes read before they write (is the
 * booking still open, does the doctor have another booking then, how many holds has this network, was
 * this Idempotency-Key used): on SQLite one process at a time writes, so what a write read is still true
 * when it commits. SERIALIZABLE gives the writes of every process sharing the database the same
 * promise: any two whose outcome depends on the order they ran in, one of them fails with 40001, and
 * runs again from the start (MAX_ATTEMPTS), where it reads what the other wrote. So of N holds of one
 * booking on N processes one wins, and the others are answered 409 as on one process. The doctor lock
 * (bookings.lockDoctor, an advisory lock) makes two writes of one doctor wait for each other.
 *
 * SERIALIZABLE has a price: its predicate locks cover whole index pages, so writes of different doctors
 * (different bookings) failed and ran again as if they had met (255 of 400 creates), and a write that
 * waited for a lock reads from a snapshot older than the holder's commit, and fails and runs again. A
 * write that declares `isolation: 'read committed'` (WriteOptions, store-types.ts) runs READ COMMITTED
 * instead: each statement sees every commit made before it began, and waits for a row or advisory lock
 * another write holds, then sees its commit. That is as safe as SERIALIZABLE only where every decision
 * the write makes rests on a lock or a constraint taken before the read it depends on. The writes that declare it, and why each is safe:
 * - creating a booking (domain/bookings.ts `create`): the Idempotency-Key is locked (an advisory lock,
 *   bookings.lockIdempotencyKey) before it is read, so a second request with it waits and then replays the
 *   first (and its unique index is the last word); the overlap rule's reads come after the doctor's
 *   advisory lock, which every write that makes one of the doctor's bookings live or moves one takes
 *   first (create, a move in update, a held week's stand-in): none can commit between those reads and
 *   this commit. The location, practice and client it checks are never changed by a booking's write, and
 *   foreign keys hold them.
 * - changing a booking (`update`: hold, release, book, edits, a held week of a weekly booking) and
 *   closing one (`remove`): the booking is read with bookings.getForWrite (SELECT ... FOR NO KEY UPDATE),
 *   so a write of it committed meanwhile is waited for and read, and none can follow until this one ends;
 *   its status, holder and times, from which transitions.ts decides, are thus still true at the commit.
 *   Of N holds of one open booking, the first moves it to pending and the others read pending (409, or
 *   the holder's own renewal, as on one process). A move checks overlap under the doctor's lock, as a
 *   create does; a held week's stand-in is looked for after its weekly booking's row is locked, and only
 *   such a hold makes one (bookings_occurrence, a unique index, is the last word). The webhook triggers
 *   read the endpoints as each statement begins: as if the write ran just before or just after a change
 *   of the endpoints, as under SERIALIZABLE.
 * Every other write stays SERIALIZABLE, among them those that count before they insert, which READ
 * COMMITTED would let two processes both pass: rate limits and throttles (http/rate-counter.ts,
 * oauth/client-throttle.ts), the BFF's hold counts and claims (bff/holds.ts), and reading a sign-up with
 * its audit line; also the sweeps (expired holds, retention, the webhook outbox: SKIP LOCKED claims), the
 * BFF's holds and manage links (single conditional statements), the console's sessions and sites, webhook
 * endpoints, keys, settings, the CLI and start-up. Rows both kinds write (bookings) meet in row locks,
 * which every isolation level honours: a SERIALIZABLE write that finds a booking changed since its
 * snapshot fails with 40001 and runs again. A READ COMMITTED write that loses a deadlock (40P01) runs again
 * from the start too.
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

  async function transaction<T>(work: (tx: Repos) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const readCommitted = options.isolation === 'read committed';
    for (let attempt = 1; ; attempt += 1) {
      const client = await pool.connect();
      let broken = false;
      let committed = false;
      try {
        // Sent now, and answered with the work's first statement (pgExecutor's `begun`).
        const begun = client.query({ text: readCommitted ? 'BEGIN ISOLATION LEVEL READ COMMITTED' : 'BEGIN ISOLATION LEVEL SERIALIZABLE' });
        begun.catch(() => undefined); // thrown by the first statement, or below
        const tx = pgTransactionExecutor(client, { begun });
        const value = await work(createRepos(tx, { keyring, cache: passThroughCache }));
        if (readCommitted) {
          // The generation moves inside the transaction, and commits with it, in one round trip (generation.ts),
          // sent right behind what the work sent ahead (its INSERT): if any of that failed, the transaction is
          // aborted, the move fails and the COMMIT never runs, and that failure is the one thrown.
          const commit = generation.movedAndCommitted(client);
          commit.catch(() => undefined);
          await tx.settled();
          await commit;
          committed = true;
        } else {
          await tx.settled(); // BEGIN, locks and writes the work sent ahead and never heard back from
          await client.query('COMMIT');
          committed = true;
          await generation.moved(pgExecutor(client));
        }
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
        const code = (error as { code?: string }).code;
        if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
      } finally {
        client.release(broken);
      }
      // Apart at random, so the writes that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
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
