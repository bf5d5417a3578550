import type { DataKeys, Keyring } from './keyring.js';
import type { Repos } from './repos.js';

export type { Repos } from './repos.js';

/**
 * What the data modules keep between reads, and how their writers say what changed. An engine supplies
 * its own: SQLite's read cache (read-cache.ts) drops the bookings shelf at any change it sees and the
 * directory shelf when `directoryChanged` is called or another connection commits; `passThroughCache`
 * keeps nothing.
 */
export interface RepoCache {
  /** A read of bookings, kept until any change; `key` names everything it depends on; `bytes` estimates its size. */
  bookings<T>(key: string, read: () => Promise<T>, bytes?: (value: T) => number): Promise<T>;
  /** A read of clients, practices, locations or sites, kept until one of those changes. */
  directory<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Called by every run of a writer of clients, practices, locations or sites (repos.ts `directoryWriter`). */
  directoryChanged(): void;
}

/** A cache that keeps nothing: every read goes to the database (CACHE=off, or an engine without one). */
export const passThroughCache: RepoCache = {
  bookings: (_key, read) => read(),
  directory: (_key, read) => read(),
  directoryChanged: () => {},
};

/**
 * How a store is opened, on either engine: SQLite's `createStore(file, options)` (store.ts), PostgreSQL's
 * from DATABASE_URL with the same options (`background` starts its engine's background work, if any).
 */
export interface StoreOptions {
  /** The server's store (a worker thread checkpoints SQLite's log); the CLI's is not. */
  background?: boolean;
  /** false: every read goes to the database (CACHE=off). */
  cache?: boolean;
  /** The patient data keys as configured (PATIENT_DATA_KEY); otherwise from the engine's key file. */
  dataKeys?: DataKeys;
}

/** What building the data modules over an Executor needs (repos.ts `createRepos`). */
export interface RepoOptions {
  keyring: Keyring;
  cache: RepoCache;
}

/**
 * How a write may be run. By default a write is serializable: whatever it read is still true when it
 * commits, whichever process wrote meanwhile. `isolation: 'read committed'` declares that the work needs
 * less: every decision it makes rests on a lock or a constraint taken before the read it depends on (a
 * data module's lock, such as `bookings.lockDoctor`; a row read for writing, such as `bookings.getForWrite`;
 * a conditional UPDATE; a unique index), so each statement may see every commit made before it began
 * instead of one snapshot for the whole write. An engine whose writes all run one at a time (SQLite)
 * ignores it; PostgreSQL runs such a write READ COMMITTED (postgres/store.ts says which writes do and why).
 */
export interface WriteOptions {
  isolation?: 'serializable' | 'read committed';
}

/**
 * The data layer as the domain sees it, on either engine: the data modules (Repos, over the engine's
 * connection outside any transaction) and the one way to write. SQLite's is `createStore` (store.ts);
 * PostgreSQL's implements this same interface.
 */
export interface Store extends Repos {
  /**
   * A request's write: `work` gets the data modules bound to the write's transaction and must use only
   * them (never the outer store's, nor another write: it would wait for this one), and await nothing
   * but them (no network, no timers, no hashing: do those before or after): on
   * SQLite the writes of one turn of the event loop share one IMMEDIATE transaction, each in its own
   * savepoint, so a throw undoes only its own write. Settles with `work`'s value once committed, or
   * with its throw (nothing of it written).
   */
  write<T>(work: (tx: Repos) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** As `write`, but alone in its own transaction (the CLI, start-up, sweeps). */
  transaction<T>(work: (tx: Repos) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** A read of bookings kept until the data changes; `key` names everything it depends on. */
  cached<T>(key: string, read: () => Promise<T>, bytes?: (value: T) => number): Promise<T>;
  /**
   * Takes in commits made by other connections (processes) and returns the data's generation; the app
   * calls it as each request begins. Synchronous: an engine keeps its generation in memory (SQLite looks
   * at `data_version`; PostgreSQL would be told by LISTEN/NOTIFY or poll a generation row).
   */
  refresh(): number;
  /**
   * As `refresh`, for an engine that must ask its database (PostgreSQL's generation row): the app awaits it
   * as each request begins. SQLite's is `refresh`.
   */
  catchUp(): Promise<number>;
  /** Moves whenever the data may have changed: equal generations, same data. */
  generation(): number;
  /** The data keys (current first) everything sealed is sealed under. */
  readonly dataKeys: Keyring;
  /** Seals everything not under the current data key again under it, in one transaction; counts per table. */
  resealAll(): Promise<Record<string, number>>;
  /** Commits what is queued, then closes the connection(s); a process waits for it before it exits. */
  close(): Promise<void>;
}
