import { openDatabase, type Db } from './database.js';
import { sqliteExecutor } from './executor.js';
import { openKeyring, type DataKeys } from './keyring.js';
import { resealAll, sealUnsealedRows } from './sealed-rows.js';
import { startCheckpointer } from './checkpointer.js';
import { createReadCache } from './read-cache.js';
import { createRepos, type Repos } from './repos.js';
import { passThroughCache, type Store, type StoreOptions } from './store-types.js';

export type { Store, Repos, StoreOptions };

interface Queued {
  work: (tx: Repos) => Promise<unknown>;
  /** A transaction of its own (store.transaction), not a savepoint of the turn's shared one. */
  alone: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The data layer on SQLite (better-sqlite3): the data modules over one connection, and the one way to
 * write. The server's store (`background: true`) checkpoints on a worker thread. PostgreSQL's store
 * implements the same `Store` (store-types.ts).
 */
export function createStore(file: string, options: StoreOptions = {}): Store {
  const db: Db = openDatabase(file);
  // Patient data and the signing keys are sealed under keys from the settings or the key file beside the database.
  const keyring = openKeyring(file, options.dataKeys);
  sealUnsealedRows(db, keyring);
  const readCache = createReadCache(db, { enabled: options.cache ?? true });
  // With the worker checkpointing, this connection only steps in if the log grows past ~40 MB;
  // without it (the worker failed), every 1,000 pages again, as SQLite does by default.
  const checkpointer =
    options.background && file !== ':memory:'
      ? startCheckpointer(file, () => {
          if (db.open) db.pragma('wal_autocheckpoint = 1000');
        })
      : undefined;
  if (checkpointer) db.pragma('wal_autocheckpoint = 10000');

  const ex = sqliteExecutor(db);
  // One connection: a transaction's data modules are the store's own. Every transaction runs in the
  // turn that commits queued work (below), so nothing else runs on the connection while one is open.
  const repos = createRepos(ex, { keyring, cache: options.cache === false ? passThroughCache : readCache });
  const control = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT write'),
    release: db.prepare('RELEASE write'),
    rollbackTo: db.prepare('ROLLBACK TO write'),
  };

  /** Undoes the open transaction, if the failure left one open. */
  function rollback(): void {
    if (db.inTransaction) control.rollback.run();
  }

  /**
   * Group commit: the writes of concurrent requests run one after another, each in its own savepoint
   * (a throw undoes only that one), inside one IMMEDIATE transaction per turn of the event loop. A commit
   * costs far more than a write, and each request is still answered only after its commit.
   */
  async function commitGroup(writes: Queued[], outcomes: Outcome[]): Promise<void> {
    const mine: Outcome[] = [];
    try {
      control.begin.run();
      for (const write of writes) {
        control.savepoint.run();
        try {
          const value = await write.work(repos);
          control.release.run();
          mine.push({ ok: true, value });
        } catch (error) {
          control.rollbackTo.run();
          control.release.run();
          mine.push({ ok: false, error });
        }
      }
      control.commit.run();
    } catch (error) {
      // BEGIN or COMMIT failed (the disk, or another process holding the lock too long): nothing was written.
      rollback();
      for (let i = 0; i < writes.length; i += 1) outcomes.push({ ok: false, error });
      return;
    }
    outcomes.push(...mine);
  }

  async function commitAlone(work: Queued['work']): Promise<Outcome> {
    try {
      control.begin.run();
      const value = await work(repos);
      control.commit.run();
      return { ok: true, value };
    } catch (error) {
      rollback();
      return { ok: false, error };
    }
  }

  let queued: Queued[] = [];
  /** A turn's commits are running; `idle` settles when they end. */
  let busy = false;
  let idle = Promise.resolve();

  /**
   * Runs what was queued before this turn, in order: runs of writes share a transaction, a lone
   * transaction has its own. Callers hear only once every transaction of the turn has ended, so no
   * caller's code runs on the connection while one is open (each work awaits only its data modules,
   * which on SQLite answer at once, so the whole turn runs without giving way to other tasks).
   */
  async function commitQueued(): Promise<void> {
    const items = queued;
    queued = [];
    const outcomes: Outcome[] = [];
    for (let i = 0; i < items.length; ) {
      if (items[i].alone) {
        outcomes.push(await commitAlone(items[i].work));
        i += 1;
        continue;
      }
      let end = i + 1;
      while (end < items.length && !items[end].alone) end += 1;
      await commitGroup(items.slice(i, end), outcomes);
      i = end;
    }
    busy = false;
    if (queued.length > 0) setImmediate(startCommit); // queued while this turn ran
    outcomes.forEach((outcome, i) => (outcome.ok ? items[i].resolve(outcome.value) : items[i].reject(outcome.error)));
  }
  function startCommit(): void {
    if (busy || queued.length === 0) return;
    busy = true;
    idle = commitQueued();
  }
  function enqueue<T>(work: (tx: Repos) => Promise<T>, alone: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (queued.push({ work, alone, resolve: resolve as (value: unknown) => void, reject }) === 1 && !busy) setImmediate(startCommit);
    });
  }

  return {
    ...repos,
    dataKeys: keyring,
    resealAll: () => enqueue((tx) => resealAll(tx.sql, keyring), true),
    cached: readCache.bookings,
    refresh: readCache.refresh,
    catchUp: async () => readCache.refresh(),
    generation: readCache.generation,
    write: (work) => enqueue(work, false),
    transaction: (work) => enqueue(work, true),
    /**
     * Commits what is queued, then closes the database once the checkpoint thread's connection has closed,
     * so that this one is the last to close and removes the log itself.
     */
    async close(): Promise<void> {
      while (busy || queued.length > 0) {
        startCommit();
        await idle;
      }
      await (checkpointer?.stop() ?? Promise.resolve());
      if (db.open) db.close();
    },
  };
}
