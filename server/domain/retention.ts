import type { Store } from '../db/store-types.js';
import { MINUTE } from './time.js';

const DAY = 24 * 60 * MINUTE;
/** How often the server looks for sign-ups past their retention: the contract counts in days, minutes are plenty. */
export const RETENTION_SWEEP_EVERY = 5 * MINUTE;
/** Rows per statement: a sweep after a long pause never holds the write lock for long. */
const BATCH = 500;

/**
 * Deletes sign-ups `days` after their appointment's start (CONTRACT section 11). Any number of
 * processes may sweep one database: each batch is a plain DELETE, so two sweeps never conflict.
 */
export function createSignUpRetention(store: Store, options: { now: () => number; days: number }) {
  let nextSweep = -Infinity;

  /** Deletes every sign-up past retention now; returns how many. */
  async function sweep(): Promise<number> {
    const at = options.now();
    nextSweep = at + RETENTION_SWEEP_EVERY;
    const before = at - options.days * DAY;
    let deleted = 0;
    for (let batch = BATCH; batch === BATCH; ) {
      batch = await store.transaction((tx) => tx.bookings.deleteSignUpsStartedBefore(before, BATCH));
      deleted += batch;
    }
    return deleted;
  }

  return {
    sweep,
    /** Sweeps when the last sweep is RETENTION_SWEEP_EVERY old by the server's clock: call it as often as you like. */
    sweepIfDue: async (): Promise<void> => {
      if (options.now() >= nextSweep) await sweep();
    },
  };
}
