// One sliding-window counter for every rate limit and throttle (the token endpoint's failed logins,
// malformed requests, the BFF's holds and confirms), counted in the database so that every process
// sharing it counts together. Our own table rather than rate-limiter-flexible: that reads Date.now()
// (no injectable clock, so windows could only be tested with real waits) and prepares a statement
// per call; here every statement is prepared once in server/db/rate-events.ts.
import type { Repos, Store } from '../db/store-types.js';

/**
 * Events are kept this long: no counter's window may be longer (every one is a minute today). Kept
 * short, as it bounds what `keysSince` reads at each new generation while many addresses are counted.
 */
export const LONGEST_WINDOW_MS = 60_000;

/**
 * Counts events per key in a sliding window of `windowMs`: at `limit` events in it a key must wait
 * until the oldest of them leaves it. Keys are stored as `<name>:<key>`.
 *
 * Speed (the read benchmark, `npm run bench`: the list and the BFF's first screen against a bare
 * server): `retryAfter` is asked before every request, so while the store's generation stays it asks
 * the database nothing. Per generation it reads once which keys have any event in the window, and
 * looks up (once) only those. Counting an event anywhere is a commit, which moves the generation
 * (server/db/read-cache.ts; another process's at the next request's refresh), so a key missing from
 * that set has no event; time passing only takes events out of the window. A good request thus adds
 * neither a write nor a query; only counting an event writes.
 */
export function createRateCounter(store: Store, options: { name: string; limit: number; windowMs: number; now: () => number }) {
  const { limit, windowMs, now } = options;
  if (windowMs > LONGEST_WINDOW_MS) throw new Error(`rate counter ${options.name}: a window longer than ${LONGEST_WINDOW_MS} ms would be pruned`);
  const prefix = `${options.name}:`;

  /** When `key` may go on (a past time when it may now), from its limit-th newest event. */
  async function readUntil(key: string, events = store.rateEvents): Promise<number> {
    if (limit === Infinity) return 0; // no limit (tests that send floods on purpose): nothing to look up
    const newest = await events.newest(prefix + key, limit);
    return newest.length < limit ? 0 : newest[limit - 1] + windowMs;
  }
  const secondsFrom = (at: number, until: number) => (until > at ? Math.max(1, Math.ceil((until - at) / 1000)) : 0);

  let generation = -1;
  let counted = new Set<string>();
  const untils = new Map<string, number>();
  async function cachedUntil(key: string, current: number): Promise<number> {
    if (current !== generation) {
      const keys = await store.rateEvents.keysSince(prefix, now() - windowMs);
      // Set together, so that a request reading meanwhile never pairs one generation with another's keys.
      generation = current;
      counted = new Set(keys);
      untils.clear();
    }
    if (!counted.has(prefix + key)) return 0;
    let until = untils.get(key);
    if (until === undefined) {
      until = await readUntil(key);
      if (generation === current) untils.set(key, until);
    }
    return until;
  }

  /** Counts an event of `key` at `at` in the write `tx`, dropping events no window needs any more. */
  async function record(tx: Repos, key: string, at: number): Promise<void> {
    await tx.rateEvents.prune(at - LONGEST_WINDOW_MS);
    await tx.rateEvents.add(prefix + key, at);
  }

  return {
    /**
     * Seconds until `key` may go on; 0 when it is under the limit. A caller that has just refreshed the
     * store (as each request begins) passes the generation it got, saving a look at the store's changes.
     */
    retryAfter: async (key: string, generation: number = store.generation()): Promise<number> => secondsFrom(now(), await cachedUntil(key, generation)),
    /** Counts one event now; settles with its time (for `forget`) once committed. */
    hit(key: string): Promise<number> {
      return store.write(async (tx) => {
        const at = now();
        await record(tx, key, at);
        return at;
      });
    },
    /** Uncounts an event `hit` counted (counted before its outcome was known, it turned out not to count). */
    forget: (key: string, at: number): Promise<void> => store.write((tx) => tx.rateEvents.remove(prefix + key, at)),
    /**
     * Checks and counts in one write transaction, so attempts sent at once to several processes cannot
     * all pass the limit: 0 when the event was counted, else the seconds to wait (nothing counted).
     */
    take(key: string): Promise<number> {
      return store.write(async (tx) => {
        const at = now();
        const wait = secondsFrom(at, await readUntil(key, tx.rateEvents));
        if (wait === 0) await record(tx, key, at);
        return wait;
      });
    },
    /** For a caller's own write transaction `tx` (several keys checked and counted together): read, not cached. */
    inWrite: {
      /** Seconds until `key` may go on, as the database says now. */
      retryAfter: async (tx: Repos, key: string, at: number): Promise<number> => secondsFrom(at, await readUntil(key, tx.rateEvents)),
      /** Events of `key` in the window before `at`. */
      count: (tx: Repos, key: string, at: number): Promise<number> => tx.rateEvents.countSince(prefix + key, at - windowMs),
      record,
    },
  };
}
export type RateCounter = ReturnType<typeof createRateCounter>;
