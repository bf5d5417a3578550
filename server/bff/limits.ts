// Every limit the BFF enforces, in one place so they can be read and tuned together.

/** GET /schedule: how many locations one request may name, and how many days ahead. */
export const MAX_LOCATIONS = 10;
export const MIN_DAYS = 1;
export const MAX_DAYS = 60;
export const DEFAULT_DAYS = 14;

/**
 * Holds one network (IPv4 /24, IPv6 /56: see network.ts) may keep at once, over all locations:
 * enough for a family, not for a bot with many addresses.
 */
export const MAX_ACTIVE_HOLDS_PER_NETWORK = 3;
/**
 * A location's fair share for holds made here: max(2, 20%) of its open times in the next
 * MAX_DAYS (held ones included). Past it, a network that already holds one of its times gets
 * no other, and every further hold costs twice the proof of work of the one before (hoarding.ts).
 */
export const LOCATION_SHARE = 0.2;
export const LOCATION_SHARE_MIN = 2;

/**
 * Proof of work for a hold, in leading zero bits of SHA-256: a patient's browser finds 10 in
 * some tens of milliseconds; each hold the network already has adds 2 (4x the work), being past
 * the location's share adds 6, and each hold past it 1 more. Capped so that a patient can
 * still hold (in seconds) whatever an attacker has done.
 */
export const PROOF_BASE_BITS = 10;
export const PROOF_BITS_PER_NETWORK_HOLD = 2;
export const PROOF_BITS_PAST_SHARE = 6;
export const PROOF_BITS_PER_HOLD_PAST_SHARE = 1;
export const PROOF_MAX_BITS = 22;
/** A challenge must be solved and used within this time; each is used once. */
export const PROOF_TTL_MS = 120_000;
/**
 * A hold on its way upstream counts against the limits for at most this long if its process dies;
 * and a lapsed hold one process has claimed to release upstream is left to it this long.
 */
export const CLAIM_TTL_MS = 30_000;

/**
 * A first hold is short, so a time picked and left costs others little; the widget lengthens
 * it to HOLD_MINUTES once the patient starts on the sign-up form. Extensions (the patient asking
 * for more time, WCAG 2.2.1) never take a hold past 1 + MAX_HOLD_EXTENSIONS times HOLD_MINUTES
 * from when it was made, and a token may ask MAX_EXTEND_CALLS times.
 */
export const FIRST_HOLD_MINUTES = 3;
export const MAX_HOLD_EXTENSIONS = 10;
export const MAX_EXTEND_CALLS = 20;

/** Attempts per address in a sliding minute. */
export const HOLDS_PER_MINUTE = 20;
export const CONFIRMS_PER_MINUTE = 10;
/** Manage link requests (view, cancel, move), wrong tokens included. */
export const MANAGE_PER_MINUTE = 20;
export const RATE_WINDOW_MS = 60_000;

/** A manage link lapses this long after the appointment's start. */
export const MANAGE_LINK_AFTER_START_MS = 86_400_000;
/** One cancel or move of a link at a time: a process that dies during one leaves the link claimed this long. */
export const MANAGE_CLAIM_MS = 60_000;

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

/** How often the sweeper looks for expired holds to release upstream, and for moves cut short to settle (manage.ts). */
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
