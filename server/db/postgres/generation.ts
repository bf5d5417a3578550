import type pg from 'pg';
import type { Executor } from '../executor.js';
import type { Queryable } from './executor.js';
import { createShelf } from '../read-cache.js';
import type { RepoCache } from '../store-types.js';

/** The settings row every committed write moves: the data's generation, shared by every process on the database. */
const KEY = 'generation';
/** How long a read without a request around it (a timer) trusts the last look at the generation, as on SQLite. */
const UNCAUGHT_MS = 50;
/** A rough size of a kept row and its object, for reads of single rows. */
const ROW_BYTES = 512;
/** The move: the row's value plus one (the row made if missing), returning the new value. */
const MOVE_TEXT = `INSERT INTO settings (key, value) VALUES ('${KEY}', '1') ON CONFLICT (key) DO UPDATE SET value = (settings.value::bigint + 1)::text RETURNING value`;
const MOVE = MOVE_TEXT.replace(`'${KEY}'`, ':key');

/**
 * The data's generation on PostgreSQL, and the reads kept while it stays. Each write transaction, once
 * committed and before its request is answered, moves the `generation` row of `settings` (its own
 * autocommitted statement: inside the SERIALIZABLE transaction every write would conflict on that row).
 * A READ COMMITTED write (store.ts) moves it instead as its last statement, sent with its COMMIT
 * (`movedAndCommitted`): the move commits with the data, so whoever sees one sees the other. Each request begins by reading the row (`catchUp`, one statement, shared by the requests that arrived
 * in one turn of the event loop). So:
 * - a value read at generation g, while the row still reads g, is what reading again would give: any commit
 *   before it was read moved the row to g + 1 only after committing (or as it committed), so either the read
 *   saw that commit or its key is older than the row the next request reads;
 * - a write answered by any process moved the row before its answer, so the next request to any process
 *   reads a newer generation and drops everything kept (a revoked client is refused at once).
 * A process that dies between a commit and the move leaves the others' kept reads stale until the next
 * write anywhere; each kept read is also dropped after `maxAgeMs` to bound that. `enabled: false` (CACHE=off)
 * keeps nothing.
 */
export function createGeneration(ex: Executor, options: { enabled?: boolean; maxBytes?: number; maxAgeMs?: number } = {}) {
  const enabled = options.enabled ?? true;
  const maxBytes = options.maxBytes ?? 32 * 2 ** 20;
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  let seen = 0;
  let caughtUpAt = -Infinity;
  let shelfGeneration = -1;
  let shelfSince = 0;
  const bookings = createShelf(maxBytes);
  const directory = createShelf(maxBytes / 4);
  let pending: Promise<number> | undefined;

  function saw(value: number): number {
    if (value > seen) seen = value;
    return seen;
  }

  async function read(): Promise<number> {
    const row = await ex.get<{ value: string }>('SELECT value FROM settings WHERE key = :key', { key: KEY });
    caughtUpAt = performance.now();
    return saw(Number(row?.value ?? 0));
  }

  async function keep<T>(shelf: typeof bookings, key: string, readValue: () => Promise<T>, bytes: number | ((value: T) => number)): Promise<T> {
    const now = performance.now();
    // Only right after a look at the generation (a request's catchUp) is a kept value known to be current.
    if (!enabled || now - caughtUpAt > UNCAUGHT_MS) return readValue();
    if (shelfGeneration !== seen || now - shelfSince > maxAgeMs) {
      bookings.clear();
      directory.clear();
      shelfGeneration = seen;
      shelfSince = now;
    }
    const kept = shelf.get(key);
    if (kept !== undefined) return kept.value as T;
    const before = seen;
    const value = await readValue();
    if (seen === before && shelfGeneration === before) shelf.set(key, value, key.length * 2 + (typeof bytes === 'number' ? bytes : bytes(value)));
    return value;
  }

  const cache: RepoCache = {
    bookings: (key, readValue, bytes) => keep(bookings, key, readValue, bytes ?? ROW_BYTES),
    directory: (key, readValue) => keep(directory, key, readValue, ROW_BYTES),
    // A directory writer runs inside a write transaction; its commit moves the generation (`moved`).
    directoryChanged: () => {},
  };

  return {
    cache,
    /** The generation as this process last saw it (its own writes included): equal generations, same data. */
    current: () => seen,
    /**
     * Reads the generation, taking in every commit made before the request calling it arrived. Requests
     * that arrive in the same turn of the event loop share one read, as on SQLite (read-cache.ts).
     */
    catchUp(): Promise<number> {
      if (!pending) {
        pending = read();
        setImmediate(() => (pending = undefined));
      }
      return pending;
    },
    /** Moves the generation after a commit, on the connection that committed, before the write is answered. */
    async moved(sql: Executor): Promise<void> {
      const row = await sql.get<{ value: string }>(MOVE, { key: KEY });
      saw(Number(row!.value));
    },
    /**
     * Moves the generation inside a READ COMMITTED transaction and commits it, in one round trip (one simple
     * query of two statements: if the move fails, the COMMIT is not run and the caller rolls back). The row
     * stays locked from the move to the end of the COMMIT, on the server, with no round trip in between:
     * writes queue there only as long as a commit takes (the move after COMMIT, its own transaction, held it
     * as long). Throws: not committed, as when a COMMIT alone throws.
     */
    async movedAndCommitted(client: Queryable): Promise<void> {
      const results = (await client.query({ text: `${MOVE_TEXT}; COMMIT` })) as unknown as pg.QueryResult[];
      saw(Number((results[0].rows[0] as { value: string }).value));
    },
  };
}
