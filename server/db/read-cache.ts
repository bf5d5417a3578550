import type { Db } from './database.js';

/** How long a read without a request around it (a timer, the CLI) trusts the last look at other connections' commits. */
const UNREFRESHED_MS = 50;

/**
 * Reads kept until the database changes. SQLite's `data_version` moves when another connection
 * commits (the CLI, a second server process) and `total_changes()` when this one writes, so a kept
 * value is what reading again would give. `data_version` goes through WAL's shared-memory locks
 * (system calls), so it is read as each turn of the event loop takes in requests (`refresh`), not on
 * every look-up: every request of a turn had arrived before the turn began, so each still sees
 * every commit made before it was sent, and its own process's writes at once.
 *
 * Two shelves. Reads of bookings are dropped at any change. Reads of clients, practices,
 * locations and sites are dropped when another connection commits or when their own writers
 * here say so (`directoryChanged`), so a stream of bookings does not make every request read its
 * client again. Nothing is kept from inside a transaction, where it might yet be rolled back.
 * Callers treat what they get as read-only: it is shared until the next change.
 *
 * Correct by construction: a key names everything its read depends on; the directory's writers run
 * their statements through `directoryWriter` (repos.ts), whose every run drops the directory shelf; each
 * shelf is bounded by an estimate of its bytes, oldest first out. `enabled: false` (CACHE=off)
 * reads through every time, so a test suite run both ways tells a cache bug from a logic bug.
 *
 * Reads are async (the data modules run on an Executor) but on SQLite run at once; a value is kept only
 * if nothing changed while it was read (a read of several statements spans microtasks).
 */
export function createReadCache(db: Db, options: { enabled?: boolean; maxBytes?: number } = {}) {
  const enabled = options.enabled ?? true;
  const maxBytes = options.maxBytes ?? 32 * 2 ** 20;
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  let data = -1;
  let changes = -1;
  let checkedAt = -Infinity;
  let lookedThisTurn = false;
  const nextTurn = () => {
    lookedThisTurn = false;
  };
  /** Counts changes seen: anything read at one count is still what reading again would give while the count stays. */
  let generation = 0;
  const bookings = createShelf(maxBytes);
  const directory = createShelf(maxBytes / 4);

  function sync(lookAtOthers: boolean): void {
    if (lookAtOthers) {
      const nowData = dataVersion.get() as number;
      checkedAt = performance.now();
      if (nowData !== data) {
        bookings.clear();
        directory.clear();
        data = nowData;
        generation += 1;
      }
    }
    const nowChanges = totalChanges.get() as number;
    if (nowChanges !== changes) {
      bookings.clear();
      changes = nowChanges;
      generation += 1;
    }
  }

  async function keep<T>(shelf: Shelf, key: string, read: () => Promise<T>, bytes: (value: T) => number): Promise<T> {
    if (!enabled) return read();
    sync(performance.now() - checkedAt > UNREFRESHED_MS);
    const kept = shelf.get(key);
    if (kept !== undefined) return kept.value as T;
    const before = generation;
    const value = await read();
    if (db.inTransaction) return value;
    sync(false);
    if (generation === before) shelf.set(key, value, key.length * 2 + bytes(value));
    return value;
  }

  function directoryChanged(): void {
    directory.clear();
    generation += 1;
  }

  return {
    /**
     * Takes in other connections' commits, once per turn of the event loop, and returns the
     * generation: called as each request begins, which is as the loop takes in what has arrived
     * (so the turn ends before it next does).
     */
    refresh(): number {
      const firstThisTurn = !lookedThisTurn;
      if (firstThisTurn) {
        lookedThisTurn = true;
        setImmediate(nextTurn);
      }
      sync(firstThisTurn);
      return generation;
    },
    /** Moves at every change this process has made and every other one the last `refresh` saw: equal counts, same data. */
    generation(): number {
      sync(false);
      return generation;
    },
    /** A read of bookings; `key` names everything it depends on; `bytes` estimates what the value holds. */
    bookings: <T>(key: string, read: () => Promise<T>, bytes: (value: T) => number = () => ROW_BYTES): Promise<T> => keep(bookings, key, read, bytes),
    /** A read of clients, practices, locations or sites (a row or two). */
    directory: <T>(key: string, read: () => Promise<T>): Promise<T> => keep(directory, key, read, () => ROW_BYTES),
    /** Drops what the directory shelf kept: called by every run of a directory writer (repos.ts). */
    directoryChanged,
  };
}

/** A rough size of a kept row and its object, for shelves of single rows. */
const ROW_BYTES = 512;

export interface Shelf {
  get(key: string): { value: unknown } | undefined;
  set(key: string, value: unknown, bytes: number): void;
  clear(): void;
}

/** Values by key within a budget of (estimated) bytes; the oldest go first. */
export function createShelf(maxBytes: number): Shelf {
  const entries = new Map<string, { value: unknown; bytes: number }>();
  let total = 0;
  return {
    get: (key) => entries.get(key),
    set(key, value, bytes) {
      if (bytes > maxBytes / 8) return; // one value may not push out most of the others
      const old = entries.get(key);
      if (old) {
        total -= old.bytes;
        entries.delete(key);
      }
      entries.set(key, { value, bytes });
      total += bytes;
      for (const [oldest, entry] of entries) {
        if (total <= maxBytes) break;
        entries.delete(oldest);
        total -= entry.bytes;
      }
    },
    clear() {
      entries.clear();
      total = 0;
    },
  };
}
export type ReadCache = ReturnType<typeof createReadCache>;
