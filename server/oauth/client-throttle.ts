import type { Store } from '../db/store.js';
import { createRateCounter } from '../http/rate-counter.js';

/** Failed authentications a key may have in WINDOW_MS before it is locked out. */
export const FAILURE_LIMIT = 10;
export const WINDOW_MS = 60_000;
/** The delay added to each failed answer for a client id past FAILURE_LIMIT failures, from any address. */
const DELAY_STEP_MS = 250;
const DELAY_MAX_MS = 3_000;

/** An attempt counted as a failure before its secret is checked. */
export interface Attempt {
  /** The keys it was counted under, and when, for taking it back. */
  keys: string[];
  at: number;
  /** How long to hold the answer back if the secret turns out wrong. */
  failureDelayMs: number;
}

/**
 * The token endpoint's throttle. Failures are counted per (client id, address) and per address, and
 * only those keys are locked out: a guesser is stopped while the real client, from its own address,
 * still gets its token. Per client id across addresses nothing is locked out (an attacker spread over
 * many addresses would otherwise deny the real client); each failure past the limit is answered a
 * little later instead. Failures are counted in the database (rate-counter.ts), so processes sharing
 * it count together.
 */
export function createClientThrottle(store: Store, now: () => number) {
  const failures = createRateCounter(store, { name: 'token', limit: FAILURE_LIMIT, windowMs: WINDOW_MS, now });
  const keysOf = (clientId: string, address: string) => ({
    pair: `pair ${JSON.stringify([clientId, address])}`,
    address: `address ${address}`,
    client: `client ${JSON.stringify(clientId)}`,
  });

  return {
    /**
     * Seconds before `clientId` may try again from `address`; 0 when it is not locked out. Asks the
     * database nothing while no failure was counted anywhere (see rate-counter.ts): the token benchmark
     * (`npm run bench`, token issuance) runs on this path.
     */
    async lockedFor(clientId: string, address: string): Promise<number> {
      const keys = keysOf(clientId, address);
      return Math.max(await failures.retryAfter(keys.pair), await failures.retryAfter(keys.address));
    },
    /**
     * Counts an attempt as a failure before its slow secret check, in the same transaction that
     * checks the lockout, so guesses sent all at once, to any process, cannot all pass the limit
     * while none has failed yet. Returns the seconds to wait instead when a lockout applies.
     */
    begin(clientId: string, address: string): Promise<Attempt | { retryAfter: number }> {
      const keys = keysOf(clientId, address);
      return store.write(async (tx) => {
        const at = now();
        const wait = Math.max(await failures.inWrite.retryAfter(tx, keys.pair, at), await failures.inWrite.retryAfter(tx, keys.address, at));
        if (wait > 0) return { retryAfter: wait };
        const earlier = await failures.inWrite.count(tx, keys.client, at);
        const counted = [keys.pair, keys.address, keys.client];
        for (const key of counted) await failures.inWrite.record(tx, key, at);
        const past = earlier + 1 - FAILURE_LIMIT;
        return { keys: counted, at, failureDelayMs: past > 0 ? Math.min(DELAY_MAX_MS, past * DELAY_STEP_MS) : 0 };
      });
    },
    /** Takes the attempt's count back: the secret was right. */
    async succeeded(attempt: Attempt): Promise<void> {
      await Promise.all(attempt.keys.map((key) => failures.forget(key, attempt.at)));
    },
  };
}
