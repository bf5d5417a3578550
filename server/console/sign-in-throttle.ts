// Failed trades of sign-in links, counted per address in the database (rate-counter.ts) so every
// process sharing it counts together. A link's secret has 256 bits, so guessing one is hopeless
// anyway; the limit keeps a guesser from costing us a write per guess without end, as the token
// endpoint's throttle does for client secrets.
import type { Repos, Store } from '../db/store-types.js';
import { createRateCounter } from '../http/rate-counter.js';

/** Trades of unknown links (guesses) an address may make in WINDOW_MS before it must wait. */
export const FAILED_SIGN_INS = 10;
const WINDOW_MS = 60_000;

export function createSignInThrottle(store: Store, now: () => number) {
  const failures = createRateCounter(store, { name: 'console-sign-in', limit: FAILED_SIGN_INS, windowMs: WINDOW_MS, now });
  return {
    /** Seconds `address` must wait before trading a link, read in the trade's own write `tx`; 0 when it may. */
    waitOf: (tx: Repos, address: string, at: number) => failures.inWrite.retryAfter(tx, address, at),
    /** Counts a failed trade in the same write, so that guesses sent at once to any process count together. */
    failed: (tx: Repos, address: string, at: number) => failures.inWrite.record(tx, address, at),
  };
}
