/**
 * A write found an advisory lock (bookings.lockDoctor) held by another transaction. Waiting for it there
 * would be too late on PostgreSQL: a SERIALIZABLE transaction's snapshot is taken at its first statement,
 * so after the wait it would not see what the holder committed, and would fail with 40001 at its commit
 * (under load, most writes of a busy doctor did). So the store rolls back, waits for the lock before the
 * next attempt's BEGIN (store.ts), and the attempt's snapshot then sees the holder's commit.
 */
export class LockBusy extends Error {
  constructor(readonly key: string) {
    super(`advisory lock "${key}" is held by another transaction`);
  }
}
