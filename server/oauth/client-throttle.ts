import type { Store } from '../db/store.js';

/** Failed authentications a key may have in WINDOW_MS before it is locked out. */
export const FAILURE_LIMIT = 10;
export const WINDOW_MS = 60_000;
/** The delay added to each failed answer for a client id past FAILURE_LIMIT failures, from any address. */
const DELAY_STEP_MS = 250;
const DELAY_MAX_MS = 3_000;

/** An attempt counted as a failure before its secret is checked. */
export interface Attempt {
  ids: number[];
  /** How long to hold the answer back if the secret turns out wrong. */
  failureDelayMs: number;
}

/**
 * The token endpoint's throttle. Failures are counted per (client id, address) and per address, and
 * only those keys are locked out: a guesser is stopped while the real client, from its own address,
 * still gets its token. Per client id across addresses nothing is locked out (an attacker spread over
 * many addresses would otherwise deny the real client); each failure past the limit is answered a
 * little later instead. Failures are rows in the database, so processes sharing it count together.
 */
export function createClientThrottle(store: Store, now: () => number) {
  const keysOf = (clientId: string, address: string) => ({
    pair: `pair ${JSON.stringify([clientId, address])}`,
    address: `address ${address}`,
    client: `client ${JSON.stringify(clientId)}`,
  });
  /** When `key`'s lockout ends (a past time when it has none), from its FAILURE_LIMIT-th newest failure. */
  const lockoutEnd = (key: string): number => {
    const newest = store.authFailures.newest(key, FAILURE_LIMIT);
    return newest.length < FAILURE_LIMIT ? 0 : newest[FAILURE_LIMIT - 1] + WINDOW_MS;
  };
  const seconds = (until: number) => Math.max(1, Math.ceil((until - now()) / 1000));

  // Lockout ends as read at a store generation: while the generation stays, no failure was added
  // anywhere, so a request (the remembered-secret path above all) asks no more of the database than a
  // map look-up. The token benchmark (`npm run bench`, token issuance) runs on this path.
  const known = new Map<string, { generation: number; until: number }>();
  const KNOWN_MAX = 10_000;
  function cachedLockoutEnd(key: string): number {
    const generation = store.generation();
    const entry = known.get(key);
    if (entry && entry.generation === generation) return entry.until;
    const until = lockoutEnd(key);
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(key, { generation, until });
    return until;
  }

  return {
    /** Seconds before `clientId` may try again from `address`; 0 when it is not locked out. */
    lockedFor(clientId: string, address: string): number {
      const keys = keysOf(clientId, address);
      const until = Math.max(cachedLockoutEnd(keys.pair), cachedLockoutEnd(keys.address));
      return until > now() ? seconds(until) : 0;
    },
    /**
     * Counts an attempt as a failure before its slow secret check, in the same transaction that
     * checks the lockout, so guesses sent all at once, to any process, cannot all pass the limit
     * while none has failed yet. Returns the seconds to wait instead when a lockout applies.
     */
    begin(clientId: string, address: string): Promise<Attempt | { retryAfter: number }> {
      const keys = keysOf(clientId, address);
      return store.write(() => {
        const at = now();
        const until = Math.max(lockoutEnd(keys.pair), lockoutEnd(keys.address));
        if (until > at) return { retryAfter: seconds(until) };
        store.authFailures.prune(at - WINDOW_MS);
        const earlier = store.authFailures.countSince(keys.client, at - WINDOW_MS);
        const ids = store.authFailures.add([keys.pair, keys.address, keys.client], at);
        const past = earlier + 1 - FAILURE_LIMIT;
        return { ids, failureDelayMs: past > 0 ? Math.min(DELAY_MAX_MS, past * DELAY_STEP_MS) : 0 };
      });
    },
    /** Takes the attempt's count back: the secret was right. */
    succeeded(attempt: Attempt): Promise<void> {
      return store.write(() => store.authFailures.remove(attempt.ids));
    },
  };
}
