import { createAudit } from './audit.js';
import { createBookings } from './bookings.js';
import { createClients } from './clients.js';
import { openDatabase, type Db } from './database.js';
import { sqliteExecutor } from './executor.js';
import { createDirectory } from './directory.js';
import { createHolds } from './holds.js';
import { openKeyring, type DataKeys } from './keyring.js';
import { createKeys, createSettings } from './keys.js';
import { resealAll, sealUnsealedRows } from './sealed-rows.js';
import { startCheckpointer } from './checkpointer.js';
import { createRateEvents } from './rate-events.js';
import { createReadCache } from './read-cache.js';

interface Write {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The data layer: every statement the server runs, behind domain operations. The server's store
 * (`background: true`) checkpoints on a worker thread; the CLI's does not need to. `cache: false` reads
 * through every time (CACHE=off).
 */
export function createStore(file: string, options: { background?: boolean; cache?: boolean; dataKeys?: DataKeys } = {}) {
  const db: Db = openDatabase(file);
  // Patient data and the signing keys are sealed under keys from the settings or the key file beside the database.
  const keyring = openKeyring(file, options.dataKeys);
  sealUnsealedRows(db, keyring);
  const cache = createReadCache(db, { enabled: options.cache ?? true });
  // With the worker checkpointing, this connection only steps in if the log grows past ~40 MB;
  // without it (the worker failed), every 1,000 pages again, as SQLite does by default.
  const checkpointer =
    options.background && file !== ':memory:'
      ? startCheckpointer(file, () => {
          if (db.open) db.pragma('wal_autocheckpoint = 1000');
        })
      : undefined;
  if (checkpointer) db.pragma('wal_autocheckpoint = 10000');

  // Group commit: the writes of concurrent requests run one after another, each in its own
  // savepoint (a throw undoes only that one), inside one transaction per turn of the event loop.
  // A commit costs far more than a write, and each request is still answered only after its commit.
  let queued: Write[] = [];
  const inSavepoint = db.transaction((work: () => unknown) => work());
  const all = db.transaction((writes: Write[]) =>
    writes.map((write) => {
      try {
        return { ok: true as const, value: inSavepoint(write.work) };
      } catch (error) {
        return { ok: false as const, error };
      }
    }),
  );
  function commitQueued(): void {
    const writes = queued;
    queued = [];
    let outcomes;
    try {
      outcomes = all.immediate(writes);
    } catch (error) {
      // The commit itself failed (the disk, or another process holding the lock too long): nothing was written.
      for (const write of writes) write.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? writes[i].resolve(outcome.value) : writes[i].reject(outcome.error)));
  }

  return {
    /** Runs SQL written for both engines (executor.ts): the way new data modules reach the database. */
    sql: sqliteExecutor(db),
    audit: createAudit(db),
    rateEvents: createRateEvents(db),
    bookings: createBookings(db, keyring),
    clients: createClients(db, cache),
    directory: createDirectory(db, cache),
    holds: createHolds(db),
    keys: createKeys(db, keyring),
    /** The data keys (current first) everything sealed is sealed under. */
    dataKeys: keyring,
    /** Seals everything not under the current data key again under it, in one transaction (key rotation). */
    resealAll: () => resealAll(db, keyring),
    settings: createSettings(db),
    /** A read of bookings kept until the database changes (see read-cache.ts); `key` names everything it depends on. */
    cached: cache.bookings,
    /** Takes in commits made by other connections since the last turn, and returns the generation; the app calls it as each request begins. */
    refresh: cache.refresh,
    /** Moves whenever the data may have changed (see read-cache.ts). */
    generation: cache.generation,
    /** Runs `work` as one write transaction that reads before it writes; a throw rolls it back. */
    transaction<T>(work: () => T): T {
      return db.transaction(work).immediate();
    },
    /** A request's write: `work` runs in a savepoint of this turn's shared transaction; settles once that commits. */
    write<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (queued.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1) setImmediate(commitQueued);
      });
    },
    /**
     * Closes the database once the checkpoint thread's connection has closed, so that this one is the last
     * to close and removes the log itself; a process waits for it before it exits.
     */
    close(): Promise<void> {
      if (queued.length > 0) commitQueued();
      const stopped = checkpointer?.stop() ?? Promise.resolve();
      return stopped.then(() => {
        if (db.open) db.close();
      });
    },
  };
}
export type Store = ReturnType<typeof createStore>;
