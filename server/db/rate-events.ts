import type { Db } from './database.js';

/**
 * Counted events of every rate limit and throttle (see server/http/rate-counter.ts), one row per key and
 * event, the key prefixed with its limiter's name. Kept in the database, not in one process's memory, so
 * that processes sharing it count together.
 */
export function createRateEvents(db: Db) {
  const statements = {
    newest: db.prepare('SELECT at FROM rate_events WHERE key = :key ORDER BY at DESC LIMIT :n').pluck(),
    since: db.prepare('SELECT count(*) FROM rate_events WHERE key = :key AND at > :since').pluck(),
    // A range over the key index: keys starting with the prefix sort from it up to (not including) `end`.
    keysSince: db.prepare('SELECT DISTINCT key FROM rate_events WHERE key >= :prefix AND key < :end AND at > :since').pluck(),
    insert: db.prepare('INSERT INTO rate_events (key, at) VALUES (:key, :at)'),
    remove: db.prepare('DELETE FROM rate_events WHERE id = (SELECT id FROM rate_events WHERE key = :key AND at = :at LIMIT 1)'),
    prune: db.prepare('DELETE FROM rate_events WHERE at <= ?'),
  };
  return {
    /** The times of the `n` newest events of `key`, newest first. */
    newest: (key: string, n: number): number[] => statements.newest.all({ key, n }) as number[],
    /** How many events `key` has had after `since`. */
    countSince: (key: string, since: number): number => statements.since.get({ key, since }) as number,
    /** The keys starting with `prefix` that have had an event after `since`. */
    keysSince(prefix: string, since: number): string[] {
      const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
      return statements.keysSince.all({ prefix, end, since }) as string[];
    },
    /** Records one event of `key` at `at`. */
    add: (key: string, at: number): void => void statements.insert.run({ key, at }),
    /** Takes back one event `add` recorded (counted before its outcome was known, it turned out not to count). */
    remove: (key: string, at: number): void => void statements.remove.run({ key, at }),
    /** Drops events at or before `before`: nothing older than the longest window is needed. */
    prune: (before: number): void => void statements.prune.run(before),
  };
}
export type RateEvents = ReturnType<typeof createRateEvents>;
