import type { Db } from './database.js';

/**
 * Failed authentications, per throttle key (an address, a client id and address, a client id).
 * Kept in the database, not in one process's memory, so that processes sharing it count together.
 */
export function createAuthFailures(db: Db) {
  const statements = {
    newest: db.prepare('SELECT at FROM auth_failures WHERE key = :key ORDER BY at DESC LIMIT :n').pluck(),
    since: db.prepare('SELECT count(*) FROM auth_failures WHERE key = :key AND at > :since').pluck(),
    insert: db.prepare('INSERT INTO auth_failures (key, at) VALUES (:key, :at)'),
    remove: db.prepare('DELETE FROM auth_failures WHERE rowid = ?'),
    prune: db.prepare('DELETE FROM auth_failures WHERE at <= ?'),
  };
  return {
    /** The times of the `n` newest failures for `key`, newest first. */
    newest: (key: string, n: number): number[] => statements.newest.all({ key, n }) as number[],
    /** How many failures `key` has had after `since`. */
    countSince: (key: string, since: number): number => statements.since.get({ key, since }) as number,
    /** Records one failure for each key; returns their ids, for `remove`. */
    add(keys: string[], at: number): number[] {
      return keys.map((key) => Number(statements.insert.run({ key, at }).lastInsertRowid));
    },
    /** Takes back failures `add` recorded (an attempt counted before its outcome was known, that succeeded). */
    remove(ids: number[]): void {
      for (const id of ids) statements.remove.run(id);
    },
    /** Drops failures at or before `before`: nothing older than the throttle's window is needed. */
    prune: (before: number): void => void statements.prune.run(before),
  };
}
export type AuthFailures = ReturnType<typeof createAuthFailures>;
