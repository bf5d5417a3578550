// Malformed requests are cheap to send and cost us parsing: an address that keeps sending
// them is refused before its next request is read.
import type { Context } from 'koa';
import { TooManyRequests } from '../errors.js';
import { createWindowCounter } from './throttle.js';

/** Answers per address per minute that count as malformed before the address gets 429s. */
export const MALFORMED_PER_MINUTE = 50;
/** Statuses that say the request itself was malformed (not a failed login, nor a conflict). */
const MALFORMED_STATUSES = new Set([400, 413, 415]);

/** Counts each address's malformed requests in a sliding minute; `perMinute` defaults to MALFORMED_PER_MINUTE. */
export function createMalformedThrottle(options: { perMinute?: number; now: () => number }) {
  const counter = createWindowCounter({ limit: options.perMinute ?? MALFORMED_PER_MINUTE, windowMs: 60_000, now: options.now, maxKeys: 10_000 });
  return {
    /** Before the request is read: a 429 with Retry-After for an address over the limit. */
    refuse(ctx: Context): void {
      const wait = counter.retryAfter(ctx.ip);
      if (wait > 0) throw new TooManyRequests(`too many malformed requests from this address; retry in ${wait} s`, wait);
    },
    /** After the answer: counts it against the address if it said the request was malformed. */
    count(ctx: Context): void {
      if (MALFORMED_STATUSES.has(ctx.status)) counter.hit(ctx.ip);
    },
  };
}
