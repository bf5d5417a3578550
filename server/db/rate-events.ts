import type { Executor } from './executor.js';

/**
 * Counted events of every rate limit and throttle (see server/http/rate-counter.ts), one row per key and
 * event, the key prefixed with its limiter's name. Kept in the database, not in one process's memory, so
 * that processes sharing it count together.
 */
export function createRateEvents(ex: Executor) {
  return {
    /** The times of the `n` newest events of `key`, newest first. */
    newest: async (key: string, n: number): Promise<number[]> =>
      (await ex.all<{ at: number }>('SELECT at FROM rate_events WHERE key = :key ORDER BY at DESC LIMIT :n', { key, n })).map((row) => row.at),
    /** How many events `key` has had after `since`. */
    countSince: async (key: string, since: number): Promise<number> =>
      Number((await ex.get<{ n: number }>('SELECT count(*) AS n FROM rate_events WHERE key = :key AND at > :since', { key, since }))!.n),
    /** The keys starting with `prefix` that have had an event after `since`. */
    async keysSince(prefix: string, since: number): Promise<string[]> {
      // A range over the key index: keys starting with the prefix sort from it up to (not including) `end`.
      const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
      const rows = await ex.all<{ key: string }>('SELECT DISTINCT key FROM rate_events WHERE key >= :prefix AND key < :end AND at > :since', {
        prefix,
        end,
        since,
      });
      return rows.map((row) => row.key);
    },
    /** Records one event of `key` at `at`. */
    async add(key: string, at: number): Promise<void> {
      await ex.run('INSERT INTO rate_events (key, at) VALUES (:key, :at)', { key, at });
    },
    /** Takes back one event `add` recorded (counted before its outcome was known, it turned out not to count). */
    async remove(key: string, at: number): Promise<void> {
      await ex.run('DELETE FROM rate_events WHERE id = (SELECT id FROM rate_events WHERE key = :key AND at = :at LIMIT 1)', { key, at });
    },
    /** Drops events at or before `before`: nothing older than the longest window is needed. */
    async prune(before: number): Promise<void> {
      await ex.run('DELETE FROM rate_events WHERE at <= :before', { before });
    },
  };
}
export type RateEvents = ReturnType<typeof createRateEvents>;
