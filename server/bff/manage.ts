// A patient's private link to a booked appointment: see it, cancel it, or move it to another open time
// of the same location, until CANCEL_CUTOFF_HOURS before it starts. The BFF does each through the
// booking API as the client that booked it (transitions.ts lets that client reopen its booking), and
// moves the sign-up with the appointment (read with scheduling:patients, audited by the API).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { checkSignUp } from '../../shared/sign-up.js';
import { SIGN_UP_FIELDS, type Booking, type ConfirmResponse, type Location, type ManageCancelResponse, type ManageView, type SignUp, type Slot } from '../../shared/types.js';
import type { Config } from '../config.js';
import type { ManageLinkRow, MoveIntent } from '../db/manage-links.js';
import type { Store } from '../db/store.js';
import { formatInstant, parseInstant, zoneOffset } from '../domain/time.js';
import { BadGateway, Conflict, HttpError, NotFound, withReason } from '../errors.js';
import type { LocationDirectory } from './directory.js';
import { bookingPath, hashToken, isBooking, type HoldService, type HoldTarget } from './holds.js';
import { MANAGE_CLAIM_MS, MANAGE_LINK_AFTER_START_MS, SWEEP_BATCH, SWEEP_INTERVAL_MS } from './limits.js';
import type { Site } from './sites.js';
import type { Upstream } from './upstream.js';

const HOUR = 3_600_000;
/** Where the server processes sharing the database keep the key manage links are derived with. */
const MANAGE_SECRET_SETTING = 'bff_manage_secret';

/** Who asks: a registered site (its practice's appointments only), or this server's own manage page (undefined). */
export type ManageCaller = Site | undefined;

/** Every unusable link alike (unknown, spent, lapsed, another practice's): nothing is told about which. */
const linkNotFound = () => withReason(new NotFound('This link is not valid. It may have been used already, or the appointment has passed.'), 'manage_not_found');
const busy = () => withReason(new Conflict('This appointment is being changed right now. Please try again in a moment.'), 'manage_busy');
const noLongerBooked = () => new Conflict('This appointment is no longer booked: the practice has cancelled or changed it.');

/**
 * The sign-up a link was issued for, as a MAC keyed by the link's secret: the database keeps it without being
 * able to test a guessed name against it (the secret is only ever stored hashed).
 */
const signUpMac = (token: string, signUp: Partial<Record<keyof SignUp, unknown>>) =>
  createHmac('sha256', token).update(JSON.stringify(SIGN_UP_FIELDS.map((field) => String(signUp[field] ?? '')))).digest('base64url');

/** True when two sign-ups the API answered are the same patient's: every field alike. */
const sameFields = (a: unknown, b: unknown) =>
  typeof a === 'object' && a !== null && typeof b === 'object' && b !== null &&
  SIGN_UP_FIELDS.every((field) => String((a as Record<string, unknown>)[field] ?? '') === String((b as Record<string, unknown>)[field] ?? ''));

/** A request's claim of a link: until when. A move renews it at each step, so only a request that stalls or dies loses it. */
interface Lease {
  until: number;
}

/** True when the sign-up the API holds now is the one the link was issued for (a link issued without one: true). */
function sameSignUp(token: string, row: ManageLinkRow, signUp: unknown): boolean {
  if (row.sign_up_mac === null) return true;
  if (typeof signUp !== 'object' || signUp === null) return false;
  const [now, then] = [Buffer.from(signUpMac(token, signUp)), Buffer.from(row.sign_up_mac)];
  return now.length === then.length && timingSafeEqual(now, then);
}

export async function createManageService(options: {
  store: Store;
  upstream: Upstream;
  directory: LocationDirectory;
  holds: HoldService;
  config: Config;
  /** The open times of a location for the next `days` days, as the schedule offers them. */
  openSlots: (location: Location, days: number) => Promise<Slot[]>;
}) {
  const { store, upstream, directory, holds, config, openSlots } = options;
  const { now, log } = config;
  const links = store.manageLinks;
  const ownOrigin = new URL(config.publicUrl).origin;
  const cutoffHours = config.cancelCutoffHours ?? 24;
  const secret = Buffer.from(
    await store.transaction((tx) => tx.settings.getOrSet(MANAGE_SECRET_SETTING, randomBytes(32).toString('base64url'))),
    'base64url',
  );

  /**
   * The link's secret for a booked hold, derived from the hold's own secret (32 random bytes the patient
   * alone has) under a key of this server's: a confirm answered again gives the same link, and only the
   * link's hash is ever stored.
   */
  const tokenFor = (holdToken: string) => createHmac('sha256', secret).update(`manage ${holdToken}`).digest('base64url');

  const pastCutoff = () =>
    withReason(
      new Conflict(`Appointments can be cancelled or moved online until ${cutoffHours} hours before they start (CANCEL_CUTOFF_HOURS). Please contact the practice.`),
      'past_cutoff',
    );

  /**
   * The link and where it is, or the one 404; a site sees only its own practice's appointments. A move of it
   * left half-done (its claim lapsed) is settled first, so the link is used as the move left it.
   */
  async function linkOf(caller: ManageCaller, token: string): Promise<{ row: ManageLinkRow; site: Site }> {
    let row = await links.usable(hashToken(token), now());
    if (row && cutShort(row)) {
      await settleCutShort(row, token);
      row = await links.usable(hashToken(token), now());
    }
    const known = row && (await directory.find(row.location_id));
    if (!row || !known || (caller && caller.practice_id !== known.practiceId)) throw linkNotFound();
    return { row, site: caller ?? { origin: ownOrigin, practice_id: known.practiceId } };
  }

  /** The booking as the API has it now, if it is still booked by the hold the link stands for. */
  async function stillBooked(row: ManageLinkRow): Promise<Booking | undefined> {
    const answer = await upstream.get(bookingPath(row.booking_id));
    if (answer.status === 404) return undefined;
    if (answer.status !== 200 || !isBooking(answer.body)) return upstream.unexpected(answer, 'GET', bookingPath(row.booking_id));
    if (answer.body.status !== 'booked' || !(await links.stillTheBooker(row))) return undefined;
    return answer.body;
  }

  const startOf = (booking: Pick<Booking, 'start_datetime'>) => parseInstant(booking.start_datetime)!.ms;
  const changeable = (start: number) => now() < start - cutoffHours * HOUR;

  async function viewOf(row: ManageLinkRow, booking: Pick<Booking, 'location_id' | 'start_datetime' | 'length'> | undefined, days: number): Promise<ManageView> {
    const known = await directory.find(booking?.location_id ?? row.location_id);
    if (!known) throw linkNotFound();
    const location = known.location;
    const start = booking ? startOf(booking) : row.start_at;
    const canChange = booking !== undefined && changeable(start);
    return {
      booking_id: row.booking_id,
      location_id: location.id,
      start_datetime: booking?.start_datetime ?? formatInstant(start, zoneOffset(start, location.timezone)),
      length: booking?.length ?? row.length,
      status: booking ? 'booked' : 'cancelled',
      location,
      changeable_until: new Date(start - cutoffHours * HOUR).toISOString(),
      can_change: canChange,
      slots: canChange ? await openSlots(location, days) : [],
    };
  }

  /**
   * Runs a cancel or move with the link claimed: one at a time, in every process sharing the database. The
   * claim is known by when it lapses (`until`), so only this request's own claim is ever given up.
   */
  async function claimed<T>(row: ManageLinkRow, work: (lease: Lease) => Promise<T>): Promise<T> {
    const at = now();
    const lease = { until: at + MANAGE_CLAIM_MS };
    if (!(await store.write((tx) => tx.manageLinks.claim(row.token_hash, at, lease.until)))) {
      throw (await links.usable(row.token_hash, now())) ? busy() : linkNotFound();
    }
    try {
      return await work(lease);
    } finally {
      await store.write((tx) => tx.manageLinks.unclaim(row.token_hash, lease.until));
    }
  }

  /**
   * Renews the lease for another MANAGE_CLAIM_MS, recording what the move is doing (or clearing it: null).
   * False when the claim is no longer this request's: it then changes nothing more.
   */
  async function renew(row: ManageLinkRow, lease: Lease, intent: MoveIntent | null): Promise<boolean> {
    const next = now() + MANAGE_CLAIM_MS;
    if (!(await store.write((tx) => tx.manageLinks.renew(row.token_hash, lease.until, next, intent)))) return false;
    lease.until = next;
    return true;
  }

  /** A move of the link that stopped part way: its intent is there and no request's claim stands. */
  const cutShort = (row: ManageLinkRow) => row.move_to !== null && (row.busy_until === null || row.busy_until <= now());

  /**
   * Claims a link whose move was cut short (its process died, or stalled past its claim) and settles it; nothing
   * when another request or process has claimed it since. `token` when the patient is here.
   */
  async function settleCutShort(row: ManageLinkRow, token?: string): Promise<void> {
    const at = now();
    const lease = { until: at + MANAGE_CLAIM_MS };
    if (!(await store.write((tx) => tx.manageLinks.claimToSettle(row.token_hash, at, lease.until)))) return;
    try {
      const fresh = await links.find(row.token_hash);
      if (fresh?.move_to) await settle(fresh, lease, token);
    } finally {
      await store.write((tx) => tx.manageLinks.unclaim(row.token_hash, lease.until));
    }
  }

  /** A sign-up of a booking as the API has it now; undefined when it has none. */
  async function signUpOf(bookingId: string): Promise<unknown> {
    const answer = await upstream.patientOf(bookingPath(bookingId));
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) return upstream.unexpected(answer, 'GET', `${bookingPath(bookingId)}/patient`);
    return answer.body;
  }

  /**
   * Settles a move cut short, the link claimed, from what the booking API says now. The move is completed when
   * its new booking is booked with this link's patient: the old booking is reopened if it is still booked with
   * that patient, and the link points at the new one, as a finished move leaves it. Otherwise it is abandoned:
   * the new hold, if still pending, is released, and the old booking stays. The patient is known by the link's
   * secret when they are here (`token`); without it, by the old booking's sign-up while it is still the link's,
   * and once the old one was given back, by the move's own hold having booked the new one.
   */
  async function settle(row: ManageLinkRow, lease: Lease, token?: string): Promise<void> {
    const { move_from: from, move_to: to, move_hold_hash: holdHash } = row as ManageLinkRow & MoveIntent;
    const answer = await upstream.get(bookingPath(to));
    if (answer.status !== 200 && answer.status !== 404) return upstream.unexpected(answer, 'GET', bookingPath(to));
    const target = answer.status === 200 && isBooking(answer.body) ? answer.body : undefined;
    const newSignUp = target?.status === 'booked' ? await signUpOf(to) : undefined;
    const old = newSignUp !== undefined && row.booking_id === from ? await stillBooked(row) : undefined;
    const oldSignUp = old ? await signUpOf(from) : undefined;
    const isPatients = (signUp: unknown) => (token && row.sign_up_mac ? sameSignUp(token, row, signUp) : undefined);
    const ours =
      newSignUp !== undefined &&
      (isPatients(newSignUp) ?? (old ? sameFields(oldSignUp, newSignUp) : (await store.holds.get(holdHash))?.state === 'booked'));

    if (target && ours) {
      const oldOurs = oldSignUp !== undefined && (isPatients(oldSignUp) ?? sameFields(oldSignUp, newSignUp));
      // Given back only while it is still booked with this patient: one the practice changed since is left alone.
      if (oldOurs) await reopen(from);
      const start = parseInstant(target.start_datetime)!.ms;
      const next = {
        booking_id: target.id,
        hold_hash: holdHash,
        location_id: target.location_id,
        start_at: start,
        length: target.length,
        expires_at: start + MANAGE_LINK_AFTER_START_MS,
      };
      const done = await store.write(async (tx) => {
        await tx.manageLinks.holdBooked(holdHash);
        return tx.manageLinks.moved(row.token_hash, lease.until, next);
      });
      if (done) log({ level: 'warn', msg: 'bff: a move cut short was completed' });
      return;
    }
    // Still held for the move: released (marked first, so the move's own confirm, were it still to come, fails).
    if (target?.status === 'pending' && (await store.write((tx) => tx.manageLinks.releaseHold(holdHash)))) await reopen(to);
    if (!(await renew(row, lease, null))) return;
    if (target?.status === 'booked') log({ level: 'warn', msg: "bff: a move cut short was abandoned; its new time is booked, but not with this link's patient" });
    else log({ level: 'warn', msg: 'bff: a move cut short was abandoned' });
  }

  /** Settles, in the background, the moves cut short that no patient has come back to (any process sharing the database; one settles each). */
  let sweeping: Promise<void> | undefined;
  let closed = false;
  async function settleDue(): Promise<void> {
    for (const row of await links.unsettled(now(), SWEEP_BATCH)) {
      if (closed) return;
      await settleCutShort(row).catch((error: unknown) => {
        if (!closed && !(error instanceof BadGateway)) log({ level: 'error', msg: 'bff: a move cut short could not be settled', error: (error as Error).name });
      });
    }
  }
  const timer = setInterval(() => {
    sweeping ??= settleDue()
      .catch((error: unknown) => {
        if (!closed) log({ level: 'error', msg: 'bff: move sweep failed', error: (error as Error).name });
      })
      .finally(() => {
        sweeping = undefined;
      });
  }, SWEEP_INTERVAL_MS);
  timer.unref();

  /** Reopens a booking this BFF booked: a one-off is offered again, a week goes back to its series. True when the API did. */
  async function reopen(bookingId: string): Promise<boolean> {
    const answer = await upstream.put(bookingPath(bookingId), { status: 'open' });
    if (answer.status === 200) return true;
    if (answer.status === 404 || answer.status === 409) return false;
    return upstream.unexpected(answer, 'PUT', bookingPath(bookingId));
  }

  return {
    /** The manage link for a hold just booked (or booked before: the same link), until a day after the start. */
    async issue(holdToken: string, booked: ConfirmResponse, patient: unknown): Promise<string | undefined> {
      const start = parseInstant(booked.start_datetime)!.ms;
      const at = now();
      if (start + MANAGE_LINK_AFTER_START_MS <= at) return undefined;
      const token = tokenFor(holdToken);
      const signUp = checkSignUp(patient, new Date(at).toISOString().slice(0, 10)).signUp // as the API keeps it;
      await store.write((tx) =>
        tx.manageLinks.create({
        token_hash: hashToken(token),
        booking_id: booked.booking_id,
        hold_hash: hashToken(holdToken),
        location_id: booked.location_id,
        start_at: start,
        length: booked.length,
        expires_at: start + MANAGE_LINK_AFTER_START_MS,
        created_at: at,
        sign_up_mac: signUp ? signUpMac(token, signUp) : null,
      }),
      );
      return `${config.publicUrl}/manage#${token}`;
    },

    async view(caller: ManageCaller, token: string, days: number): Promise<ManageView> {
      const { row } = await linkOf(caller, token);
      return viewOf(row, await stillBooked(row), days);
    },

    /** Cancels: the time is offered again, the API deletes the sign-up, and the link is spent. */
    async cancel(caller: ManageCaller, token: string): Promise<ManageCancelResponse> {
      const { row } = await linkOf(caller, token);
      return claimed(row, async (lease) => {
        const booking = await stillBooked(row);
        if (!booking) throw noLongerBooked();
        if (!changeable(startOf(booking))) throw pastCutoff();
        if (!(await reopen(booking.id))) throw noLongerBooked();
        await store.write((tx) => tx.manageLinks.spend(row.token_hash, now(), lease.until));
        return { status: 'cancelled', booking_id: booking.id, location_id: booking.location_id, start_datetime: booking.start_datetime };
      });
    },

    /**
     * Moves to another open time of the same location, all or nothing: the new time is held, then booked
     * with the sign-up, and only then is the old one given back. A step that fails undoes the ones before
     * it: the new time is released (or reopened), and the old booking stays booked with its sign-up. Before
     * the new time is booked, the link records the move (its intent), cleared when the move is done or
     * undone: a move whose process dies part way is settled later from what the API says (`settle`). Each
     * step renews the link's claim; a move that lost it (it stalled past MANAGE_CLAIM_MS and another request
     * took the link) changes nothing more, and the claim's holder settles it.
     */
    async move(caller: ManageCaller, token: string, address: string, target: Omit<HoldTarget, 'location_id'>, days: number): Promise<ManageView> {
      const { row, site } = await linkOf(caller, token);
      return claimed(row, async (lease) => {
        const booking = await stillBooked(row);
        if (!booking) throw noLongerBooked();
        if (!changeable(startOf(booking))) throw pastCutoff();
        const signUp = await upstream.patientOf(bookingPath(booking.id));
        // No sign-up, or another patient's: the practice reopened the booking and booked it for someone else
        // directly (the BFF's own hold records cannot tell). Their sign-up goes nowhere.
        if (signUp.status === 404 || (signUp.status === 200 && !sameSignUp(token, row, signUp.body))) throw noLongerBooked();
        if (signUp.status !== 200) return upstream.unexpected(signUp, 'GET', `${bookingPath(booking.id)}/patient`);

        const held = await holds.holdToMove(site, address, { ...target, location_id: booking.location_id });
        const intent: MoveIntent = { move_from: booking.id, move_to: held.booking_id, move_hold_hash: hashToken(held.hold_token) };
        if (!(await renew(row, lease, intent))) {
          await holds.release(site, held.hold_token).catch(() => undefined);
          throw busy();
        }
        /** The claim was lost: the move stands as whoever settled it left it. */
        const lost = async (booked: ConfirmResponse): Promise<ManageView> => {
          const current = await links.find(row.token_hash);
          if (current?.booking_id === booked.booking_id && current.move_to === null) return viewOf(current, await stillBooked(current), days);
          throw busy();
        };
        let moved: ConfirmResponse;
        try {
          moved = await holds.confirm(site, held.hold_token, signUp.body as SignUp);
        } catch (error) {
          // Refused (the hold lapsed, the time was taken): the hold is released and the move undone. Any other
          // failure may have booked the new time after all (an answer lost on the way): the intent stays, and
          // `settle` decides from what the API says once this claim is given up.
          const released = await holds.release(site, held.hold_token).then(() => true, () => false);
          if (released && error instanceof HttpError && error.status < 500) await renew(row, lease, null);
          throw error;
        }
        if (!(await renew(row, lease, intent))) return lost(moved);
        let given: boolean | Error;
        try {
          given = await reopen(booking.id);
        } catch (error) {
          given = error as Error;
        }
        if (given !== true) {
          // The old time could not be given back: the new one is, so the patient keeps exactly one appointment.
          const undone = await reopen(moved.booking_id).catch(() => false);
          if (undone) await renew(row, lease, null);
          else log({ level: 'error', msg: 'bff: a move could not be undone; it is left to be settled' });
          throw given === false ? noLongerBooked() : given;
        }
        const start = parseInstant(moved.start_datetime)!.ms;
        const next = {
          booking_id: moved.booking_id,
          hold_hash: intent.move_hold_hash,
          location_id: moved.location_id,
          start_at: start,
          length: moved.length,
          expires_at: start + MANAGE_LINK_AFTER_START_MS,
        };
        if (!(await store.write((tx) => tx.manageLinks.moved(row.token_hash, lease.until, next)))) return lost(moved);
        return viewOf({ ...row, ...next }, moved, days);
      });
    },

    /** Stops settling moves in the background. */
    close(): void {
      closed = true;
      clearInterval(timer);
    },
  };
}
export type ManageService = ReturnType<typeof createManageService>;
