// Malformed requests are cheap to send and cost us parsing: an address that keeps sending
// them is refused before its next request is read.
import type { Context } from 'koa';
import type { Store } from '../db/store.js';
import { TooManyRequests } from '../errors.js';
import { createRateCounter } from './rate-counter.js';

/** Answers per address per minute that count as malformed before the address gets 429s. */
export const MALFORMED_PER_MINUTE = 50;
/** Statuses that say the request itself was malformed (not a failed login, nor a conflict). */
const MALFORMED_STATUSES = new Set([400, 413, 415]);

/**
 * Counts each address's malformed requests in a sliding minute, in the database, so that every
 * process sharing it counts together; `perMinute` defaults to MALFORMED_PER_MINUTE. A good request
 * costs no query (rate-counter.ts): only an address with malformed requests counted is looked up.
 */
export function createMalformedThrottle(store: Store, options: { perMinute?: number; now: () => number }) {
  const counter = createRateCounter(store, { name: 'malformed', limit: options.perMinute ?? MALFORMED_PER_MINUTE, windowMs: 60_000, now: options.now });
  return {
    /** Before the request is read: a 429 with Retry-After for an address over the limit; `generation` is the store's as the request began. */
    async refuse(ctx: Context, generation: number): Promise<void> {
      const wait = await counter.retryAfter(ctx.ip, generation);
      if (wait > 0) throw new TooManyRequests(`too many malformed requests from this address; retry in ${wait} s`, wait);
    },
    /**
     * After the answer: counts it against the address if it said the request was malformed, settling
     * once committed (so the next request, to any process, sees it); undefined when it does not count.
     */
    count(ctx: Context): Promise<number> | undefined {
      return MALFORMED_STATUSES.has(ctx.status) ? counter.hit(ctx.ip) : undefined;
    },
  };
}
