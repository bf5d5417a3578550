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
 */
export function createReadCache(db: Db, max = 10_000) {
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
  const bookings = new Map<string, unknown>();
  const directory = new Map<string, unknown>();

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

  function keep<T>(shelf: Map<string, unknown>, key: string, read: () => T): T {
    sync(performance.now() - checkedAt > UNREFRESHED_MS);
    if (shelf.has(key)) return shelf.get(key) as T;
    const value = read();
    if (db.inTransaction) return value;
    if (shelf.size >= max) shelf.clear();
    shelf.set(key, value);
    return value;
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
    /** A read of bookings; `key` names everything it depends on. */
    bookings: <T>(key: string, read: () => T): T => keep(bookings, key, read),
    /** A read of clients, practices, locations or sites. */
    directory: <T>(key: string, read: () => T): T => keep(directory, key, read),
    /** Called by every writer of clients, practices, locations and sites. */
    directoryChanged: () => {
      directory.clear();
      generation += 1;
    },
  };
}
export type ReadCache = ReturnType<typeof createReadCache>;
