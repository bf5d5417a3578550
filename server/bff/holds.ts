// A patient's hold of a bookable time, on the booking API through the BFF's client, with a
// secret token that only its bearer can confirm or release. Expiry is kept in the database
// so a hold lapses on time across restarts, and upstream even if the API never expires it.
import { createHash, randomBytes } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import type { Booking, ConfirmResponse, ExtendResponse, FieldProblem, HoldChallenge, HoldResponse, Location, SignUpField } from '../../shared/types.js';
import type { Config } from '../config.js';
import type { HoldRow } from '../db/holds.js';
import type { Repos, Store } from '../db/store-types.js';
import { checkSignUp } from '../../shared/sign-up.js';
import { MINUTE, parseInstant } from '../domain/time.js';
import { BadGateway, BadRequest, Conflict, Forbidden, Gone, NotFound, TooManyRequests, withReason } from '../errors.js';
import type { LocationDirectory } from './directory.js';
import { holdRefusal, locationShare, proofBits } from './hoarding.js';
import {
  CLAIM_TTL_MS,
  FIRST_HOLD_MINUTES,
  HOLD_TOKEN_BYTES,
  MAX_ACTIVE_HOLDS_PER_NETWORK,
  MAX_DAYS,
  MAX_EXTEND_CALLS,
  MAX_HOLD_EXTENSIONS,
  SWEEP_BATCH,
  SWEEP_INTERVAL_MS,
} from './limits.js';
import { networkOf } from './network.js';
import { createProofs, proofReused, proofTooWeak } from './proof.js';
import type { Site } from './sites.js';
import type { CheckedHoldRequest } from './validate.js';
import type { ReleaseResponse as ReleaseResponseSchema } from './schemas.js';
import type { Upstream } from './upstream.js';

/** What became of the hold: released now or before, or it had been booked (left as it is). */
export type ReleaseResponse = Static<typeof ReleaseResponseSchema>;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
export const bookingPath = (id: string) => `/scheduling/bookings/${encodeURIComponent(id)}`;
const todayUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const DAY = 86_400_000;
/** Where the server processes sharing the database keep the proof-of-work secret. */
const PROOF_SECRET_SETTING = 'bff_proof_secret';

/** The time a hold takes: a slot of the schedule. */
export type HoldTarget = Pick<CheckedHoldRequest, 'location_id' | 'booking_id' | 'start' | 'start_datetime'>;
type CheckedProof = ReturnType<ReturnType<typeof createProofs>['check']>;

/** A location's open times, as the schedule offers them (start in ms, and the slot). */
export type OpenTimes = (location: Location) => Promise<Array<{ start: number; slot: { booking_id: string; start_datetime: string } }>>;

const slotTaken = () => withReason(new Conflict('That time was just taken. Please pick another time.'), 'slot_taken');
const holdNotFound = () => withReason(new NotFound('This hold does not exist. Please pick a time again.'), 'hold_not_found');
const holdExpired = () => withReason(new Gone('This hold has expired. Please pick a time again.'), 'hold_expired');
const outsideWindow = () =>
  withReason(new BadRequest(`start_datetime is not within the next ${MAX_DAYS} days: only times the schedule offers can be held`), 'outside_window');
const extendLimit = () =>
  withReason(new Conflict('This hold cannot be extended any more. Please book it now or pick a time again.'), 'extend_limit');
function tooManyHolds(why: 'network_full' | 'past_share'): TooManyRequests {
  const message =
    why === 'network_full'
      ? `You can hold at most ${MAX_ACTIVE_HOLDS_PER_NETWORK} times at once. Book or release one first.`
      : "Many of this location's times are being held right now, one of them from your network. Book or release it first.";
  return withReason(new TooManyRequests(message, 60), 'too_many_holds');
}

export function unknownLocation(id: string): NotFound {
  return withReason(new NotFound(`There is no location "${id}". Check the location-ids of the widget.`), 'unknown_location');
}
export function locationNotAllowed(id: string): Forbidden {
  return withReason(new Forbidden(`Location "${id}" belongs to another practice than this web site's.`), 'location_not_allowed');
}

/** The location, if the site's practice owns it; the 404 or 403 otherwise. */
export async function siteLocation(directory: LocationDirectory, site: Site, id: string) {
  const known = await directory.find(id);
  if (!known) throw unknownLocation(id);
  if (known.practiceId !== site.practice_id) throw locationNotAllowed(id);
  return known.location;
}

/** Runs work one at a time per key; other keys run freely. */
function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return function run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}

export function isBooking(value: unknown): value is Booking {
  const b = value as Partial<Booking> | undefined;
  return typeof b?.id === 'string' && typeof b.location_id === 'string' && typeof b.start_datetime === 'string' && typeof b.length === 'number' && typeof b.status === 'string';
}

export async function createHoldService(options: { store: Store; upstream: Upstream; directory: LocationDirectory; config: Config; openTimes: OpenTimes }) {
  const { store, upstream, directory, config, openTimes } = options;
  const { now, log } = config;
  // Holding, releasing, confirming and sweeping one booking take turns, so a lapsed hold's
  // late release can never open the hold a second patient has just made of the same booking.
  const oneAtATime = createKeyedQueue();
  const proofSecret = await store.transaction((tx) => tx.settings.getOrSet(PROOF_SECRET_SETTING, randomBytes(32).toString('base64url')));
  const proofs = createProofs(Buffer.from(proofSecret, 'base64url'), now);
  let nextExpiry = await store.holds.nextExpiry();
  let sweeping: Promise<void> | undefined;
  let sweepRetryAt = 0;
  let closed = false;

  /** The open times of a location a hold may take: in [now, now + MAX_DAYS), as the schedule offers them. */
  async function offered(location: Location, at: number) {
    const times = await openTimes(location);
    return times.filter(({ start }) => start >= at && start < at + MAX_DAYS * DAY);
  }

  /** How the location and the network stand: what share of the open times holds may take, and the proof a hold needs. */
  async function standing(holds: Repos['holds'], network: string, locationId: string, openCount: number, at: number) {
    const counts = await holds.counts(network, locationId, at);
    const share = locationShare(openCount, counts.location);
    return { refusal: holdRefusal(counts, share), bits: proofBits(counts, share) };
  }

  /** Opens a booking this BFF held. Already open, reopened, taken on, closed or gone: all fine. */
  async function releaseUpstream(bookingId: string, lapsed = false): Promise<void> {
    if (lapsed) {
      // An API that expires holds itself has usually let a lapsed one go already: read first and
      // write only if it is still pending.
      const current = await upstream.get(bookingPath(bookingId));
      if (current.status === 404) return;
      if (current.status === 200 && isBooking(current.body) && current.body.status !== 'pending') return;
    }
    const answer = await upstream.put(bookingPath(bookingId), { status: 'open' });
    if (answer.status === 200 || answer.status === 404 || answer.status === 409) return;
    log({ level: 'warn', msg: 'bff: booking API would not release a hold; leaving it to its own expiry', upstream_status: answer.status });
  }

  function confirmed(row: HoldRow): ConfirmResponse {
    return { booking_id: row.booking_id, location_id: row.location_id, start_datetime: row.start_datetime, length: row.length, status: 'booked' };
  }

  /** The hold a token names, for the site it was made on and that site's practice; 404 for any other token. */
  async function holdOf(site: Site, token: string): Promise<HoldRow> {
    const row = await store.holds.get(hashToken(token));
    if (!row || row.site_origin !== site.origin) throw holdNotFound();
    // One origin may stand for several practices (every console's preview is on the server's own origin,
    // which may also be a registered site): the hold's location must be the site's practice's too.
    if ((await directory.find(row.location_id))?.practiceId !== site.practice_id) throw holdNotFound();
    return row;
  }

  async function sweep(): Promise<void> {
    for (const row of await store.holds.expired(now(), SWEEP_BATCH)) {
      await oneAtATime(row.booking_id, async () => {
        // Every process sharing the database sweeps: the one whose conditional UPDATE claims the hold
        // releases it; the others leave it (still active, expired, or claimed) alone.
        if (closed || !(await store.write((tx) => tx.holds.claimRelease(row.token_hash, now(), now() + CLAIM_TTL_MS))) || closed) return;
        try {
          await releaseUpstream(row.booking_id, true);
        } catch (error) {
          if (!closed) await store.write((tx) => tx.holds.dropReleaseClaim(row.token_hash));
          throw error;
        }
        if (!closed) await store.write((tx) => tx.holds.finish(row.token_hash, 'released'));
      });
    }
    if (!closed) nextExpiry = await store.holds.nextExpiry();
  }

  const service = {
    /** Releases upstream every hold past its expiry, if one is due. Cheap when none is. */
    async sweepIfDue(): Promise<void> {
      const at = now();
      if (closed || nextExpiry === null || nextExpiry > at || at < sweepRetryAt) return;
      sweeping ??= sweep()
        .catch((error: unknown) => {
          // The API is down: the holds stay active in the database and are retried shortly.
          sweepRetryAt = now() + SWEEP_INTERVAL_MS;
          if (!(error instanceof BadGateway)) log({ level: 'error', msg: 'bff: hold sweep failed', error: (error as Error).name });
        })
        .finally(() => {
          sweeping = undefined;
        });
      return sweeping;
    },

    /** The proof-of-work challenge for a hold at a location, as hard as the holds there are now. */
    async challenge(site: Site, address: string, locationId: string): Promise<HoldChallenge> {
      const location = await siteLocation(directory, site, locationId);
      const at = now();
      const network = networkOf(address);
      const open = await offered(location, at);
      const { bits } = await standing(store.holds, network, location.id, open.length, at);
      return proofs.issue(location.id, network, bits);
    },

    async hold(site: Site, address: string, request: CheckedHoldRequest): Promise<HoldResponse> {
      const location = await siteLocation(directory, site, request.location_id);
      if (request.start.ms >= now() + MAX_DAYS * DAY) throw outsideWindow();
      const network = networkOf(address);
      const proof = proofs.check(request.challenge, request.nonce, location.id, network);
      return take(site, address, network, location, request, proof);
    },

    /**
     * A hold of the time a booked appointment moves to (its manage link, rate limited, stands in for the
     * proof of work): the same limits, claim and expiry as any other hold, so it is swept if the move stops.
     */
    async holdToMove(site: Site, address: string, request: HoldTarget): Promise<HoldResponse> {
      const location = await siteLocation(directory, site, request.location_id);
      if (request.start.ms >= now() + MAX_DAYS * DAY) throw outsideWindow();
      return take(site, address, networkOf(address), location, request, undefined);
    },

    /**
     * Lengthens a hold to HOLD_MINUTES from now (the patient is filling the form, or asked for
     * more time), never past 1 + MAX_HOLD_EXTENSIONS times HOLD_MINUTES from when it was made,
     * and at most MAX_EXTEND_CALLS times. The booking API's hold is renewed first.
     */
    async extend(site: Site, token: string): Promise<ExtendResponse> {
      const row = await holdOf(site, token);
      if (row.state !== 'active' || row.expires_at <= now()) throw holdExpired();
      if (row.extend_calls >= MAX_EXTEND_CALLS) throw extendLimit();
      return oneAtATime(row.booking_id, async () => {
        const fresh = (await store.holds.get(row.token_hash))!;
        const at = now();
        if (fresh.state !== 'active' || fresh.expires_at <= at) throw holdExpired();
        const hold = config.holdMinutes * MINUTE;
        const until = Math.min(at + hold, fresh.created_at + (1 + MAX_HOLD_EXTENSIONS) * hold);
        if (until > fresh.expires_at) await renewUpstream(fresh);
        if (!(await store.write((tx) => tx.holds.extend(fresh.token_hash, until, at, MAX_EXTEND_CALLS)))) {
          if ((await store.holds.get(fresh.token_hash))!.extend_calls >= MAX_EXTEND_CALLS) throw extendLimit();
          throw holdExpired();
        }
        const updated = (await store.holds.get(fresh.token_hash))!;
        return {
          expires_at: new Date(updated.expires_at).toISOString(),
          expires_in: Math.max(0, Math.round((updated.expires_at - now()) / 1000)),
          extensions_left: MAX_EXTEND_CALLS - updated.extend_calls,
        };
      });
    },

    async release(site: Site, token: string): Promise<ReleaseResponse> {
      const row = await holdOf(site, token);
      if (row.state !== 'active') return { status: row.state };
      return oneAtATime(row.booking_id, async () => {
        const fresh = (await store.holds.get(row.token_hash))!;
        if (fresh.state !== 'active') return { status: fresh.state };
        await releaseUpstream(fresh.booking_id, fresh.expires_at <= now());
        await store.write((tx) => tx.holds.finish(fresh.token_hash, 'released'));
        nextExpiry = await store.holds.nextExpiry();
        return { status: 'released' as const };
      });
    },

    async confirm(site: Site, token: string, patient: unknown): Promise<ConfirmResponse> {
      const row = await holdOf(site, token);
      if (row.state === 'booked') return confirmed(row);
      if (row.state !== 'active' || row.expires_at <= now()) throw holdExpired();
      const checked = checkSignUp(patient, todayUtc(now()));
      if (checked.problems) throw invalidFields(checked.problems);
      return oneAtATime(row.booking_id, async () => {
        // A double click waited here for the first confirm: it gets the same answer.
        const fresh = (await store.holds.get(row.token_hash))!;
        if (fresh.state === 'booked') return confirmed(fresh);
        if (fresh.state !== 'active' || fresh.expires_at <= now()) throw holdExpired();
        const answer = await upstream.put(bookingPath(fresh.booking_id), { status: 'booked', patient: checked.signUp });
        if (answer.status === 200) {
          await store.write((tx) => tx.holds.finish(fresh.token_hash, 'booked'));
          nextExpiry = await store.holds.nextExpiry();
          return confirmed(fresh);
        }
        if (answer.status === 404 || answer.status === 409) {
          // The API let the hold go (its own expiry, or the practice closed the booking).
          await store.write((tx) => tx.holds.finish(fresh.token_hash, 'released'));
          throw holdExpired();
        }
        return upstream.unexpected(answer, 'PUT', bookingPath(fresh.booking_id));
      });
    },

    close(): void {
      closed = true;
      clearInterval(timer);
    },
  };

  /** Holds a time the schedule offers, once the proof (if one is asked) is checked: counted, claimed, then held upstream. */
  async function take(site: Site, address: string, network: string, location: Location, request: HoldTarget, proof: CheckedProof | undefined): Promise<HoldResponse> {
    const at = now();
    const open = await offered(location, at);
    // Only a time the schedule offers: a week a weekly booking really has, inside the window.
    if (!open.some(({ start, slot }) => slot.booking_id === request.booking_id && start === request.start.ms)) throw slotTaken();
    // Counted and claimed in one transaction, so processes sharing the database count together.
    const claimId = randomBytes(12).toString('base64url');
    await store.transaction(async (tx) => {
      // A refusal rolls the proof's use back: the same proof may try again.
      if (proof && !(await tx.holds.useProof(proof.hash, proof.expiresAt, at))) throw proofReused();
      const { refusal, bits } = await standing(tx.holds, network, location.id, open.length, at);
      if (refusal) throw tooManyHolds(refusal);
      if (proof && proof.bits < bits) throw proofTooWeak(bits);
      const slot = `${request.booking_id} ${request.start.ms}`;
      if (!(await tx.holds.claim({ id: claimId, network, location_id: location.id, slot, expires_at: at + CLAIM_TTL_MS }, at))) throw slotTaken();
    });
    try {
      return await oneAtATime(request.booking_id, () => holdUpstream(site, address, network, claimId, request));
    } finally {
      await store.write((tx) => tx.holds.dropClaim(claimId));
    }
  }

  /**
   * The holder asks the booking API to hold the booking again, which restarts its HOLD_MINUTES.
   * An API that does not renew holds (409 while the booking is still pending) keeps its own
   * expiry; a hold it let go ends here too.
   */
  async function renewUpstream(row: HoldRow): Promise<void> {
    const answer = await upstream.put(bookingPath(row.booking_id), { status: 'pending' });
    if (answer.status === 200) return;
    if (answer.status === 409) {
      const current = await upstream.get(bookingPath(row.booking_id));
      if (current.status === 200 && isBooking(current.body) && current.body.status === 'pending') return;
    }
    if (answer.status === 404 || answer.status === 409) {
      await store.write((tx) => tx.holds.finish(row.token_hash, 'released'));
      throw holdExpired();
    }
    upstream.unexpected(answer, 'PUT', bookingPath(row.booking_id));
  }

  async function holdUpstream(site: Site, address: string, network: string, claimId: string, request: HoldTarget): Promise<HoldResponse> {
    const at = now();
    if (request.start.ms <= at) throw slotTaken();
    const current = await upstream.get(bookingPath(request.booking_id));
    if (current.status === 404) throw slotTaken();
    if (current.status !== 200 || !isBooking(current.body)) return upstream.unexpected(current, 'GET', bookingPath(request.booking_id));
    const booking = current.body;
    // Checked here, not trusted from the widget: the location is what ties the booking to this site's practice.
    if (booking.location_id !== request.location_id) throw new BadRequest('booking_id is not a booking of location_id');
    if (booking.status !== 'open') throw slotTaken();

    let answer;
    if (booking.recurring) {
      // One week of a weekly booking: the API makes a one-off booking stand in for it.
      answer = await upstream.put(bookingPath(booking.id), { status: 'pending', start: request.start_datetime });
      if (answer.status === 422) throw new BadRequest('start_datetime is not one of the weeks of this booking');
      if (answer.status !== 201 && answer.status !== 404 && answer.status !== 409) return upstream.unexpected(answer, 'PUT', bookingPath(booking.id));
    } else {
      // The booking moved since the schedule was read: that time is gone.
      if (parseInstant(booking.start_datetime)?.ms !== request.start.ms) throw slotTaken();
      answer = await upstream.put(bookingPath(booking.id), { status: 'pending' });
      if (answer.status !== 200 && answer.status !== 404 && answer.status !== 409) return upstream.unexpected(answer, 'PUT', bookingPath(booking.id));
    }
    if (answer.status === 404 || answer.status === 409) throw slotTaken();
    if (!isBooking(answer.body) || answer.body.status !== 'pending') return upstream.unexpected(answer, 'PUT', bookingPath(booking.id));
    const held = answer.body;

    const token = randomBytes(HOLD_TOKEN_BYTES).toString('base64url');
    const row: HoldRow = {
      token_hash: hashToken(token),
      booking_id: held.id,
      location_id: held.location_id,
      start_datetime: held.start_datetime,
      length: held.length,
      site_origin: site.origin,
      address,
      network,
      state: 'active',
      // Short until the patient starts on the form (extend). From before the API's own clock
      // started on it, so this side lets go first.
      expires_at: at + Math.min(FIRST_HOLD_MINUTES, config.holdMinutes) * MINUTE,
      created_at: at,
      extend_calls: 0,
    };
    try {
      await store.write((tx) => tx.holds.insert(row, claimId));
    } catch (error) {
      await releaseUpstream(held.id).catch(() => undefined);
      throw error;
    }
    if (nextExpiry === null || row.expires_at < nextExpiry) nextExpiry = row.expires_at;
    return {
      hold_token: token,
      booking_id: row.booking_id,
      location_id: row.location_id,
      start_datetime: row.start_datetime,
      length: row.length,
      expires_at: new Date(row.expires_at).toISOString(),
      expires_in: Math.max(0, Math.round((row.expires_at - now()) / 1000)),
    };
  }

  const timer = setInterval(() => void service.sweepIfDue(), SWEEP_INTERVAL_MS);
  timer.unref();
  return service;
}
export type HoldService = Awaited<ReturnType<typeof createHoldService>>;

/** 400 with one problem per sign-up field, naming the fields and never their values. */
function invalidFields(problems: Partial<Record<SignUpField, FieldProblem>>): BadRequest {
  const error = withReason(new BadRequest(`Please check these fields: ${Object.keys(problems).join(', ').replace(/_/g, ' ')}.`), 'invalid_fields');
  error.fields = problems;
  return error;
}
