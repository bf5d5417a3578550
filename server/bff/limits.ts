// Every limit the BFF enforces, in one place so they can be read and tuned together.

/** GET /schedule: how many locations one request may name, and how many days ahead. */
export const MAX_LOCATIONS = 10;
export const MIN_DAYS = 1;
export const MAX_DAYS = 60;
export const DEFAULT_DAYS = 14;

/** Holds a patient's address, or a whole site, may keep at once: enough for a family, not for a bot. */
export const MAX_ACTIVE_HOLDS_PER_ADDRESS = 3;
export const MAX_ACTIVE_HOLDS_PER_SITE = 100;

/** Attempts per address in a sliding minute. */
export const HOLDS_PER_MINUTE = 20;
export const CONFIRMS_PER_MINUTE = 10;
export const RATE_WINDOW_MS = 60_000;

/** A hold token: 32 random bytes, base64url. */
export const HOLD_TOKEN_BYTES = 32;

/** How long the practice/location directory read from the API is trusted. */
export const DIRECTORY_TTL_MS = 60_000;
/** An id the cached directory does not know refreshes it, but not more often than this. */
export const DIRECTORY_MISS_REFRESH_MS = 5_000;

/** An access token is renewed this long before it expires, so none is sent as it runs out. */
export const TOKEN_RENEW_BEFORE_MS = 60_000;
/** Used when the token endpoint does not say how long its token lives. */
export const TOKEN_DEFAULT_LIFETIME_S = 300;

/** Each call to the booking API or token endpoint gives up after this long. */
export const UPSTREAM_TIMEOUT_MS = 10_000;

/** How often the sweeper looks for expired holds to release upstream. */
export const SWEEP_INTERVAL_MS = 5_000;
/** Expired holds released per sweep pass. */
export const SWEEP_BATCH = 50;

/**
 * A location's bookings read from the API serve every schedule request for this long, and
 * concurrent requests share one read: the first screen stays fast under load. A hold, release
 * or confirm through this BFF drops them at once; a change made elsewhere shows within this
 * time, and a patient who picks a time taken meanwhile is told and sees the list again.
 */
export const SCHEDULE_CACHE_MS = 2_000;
/**
 * What those reads may hold in memory at once (estimated), the oldest dropped first: a busy location's
 * 60 days are thousands of slots, and a bound by count let them hold hundreds of megabytes (issue 11).
 */
export const RECENT_READS_BYTES = 16 * 2 ** 20;
/** About what one slot of a read holds: its objects and strings, and its share of the location's JSON kept beside it. */
export const SLOT_BYTES = 600;

/** Preflight answers may be cached by the browser this long (seconds). */
export const PREFLIGHT_MAX_AGE_S = 600;
