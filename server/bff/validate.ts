// The BFF's inputs, checked at the edge: each failure names the field, never echoes a value
// that could be a patient's.
import { parseInstant, type Instant } from '../domain/time.js';
import { BadRequest } from '../errors.js';
import { assertKnownFields, assertObject, id } from '../http/assert.js';
import { parseParams } from '../http/params.js';
import { DEFAULT_DAYS, MAX_DAYS, MAX_LOCATIONS, MIN_DAYS } from './limits.js';
import { proofFields } from './proof.js';

export interface ScheduleQuery {
  locationIds: string[];
  days: number;
}

export interface CheckedHoldRequest {
  location_id: string;
  booking_id: string;
  start: Instant;
  start_datetime: string;
  /** The proof of work: a challenge from GET /holds/challenge and the nonce that solves it. */
  challenge: string;
  nonce: string;
}

export interface CheckedConfirmRequest {
  hold_token: string;
  /** Checked field by field by the sign-up rules, after the hold itself. */
  patient: unknown;
}

const SCHEDULE_PARAMS = ['location_ids', 'days'];
const HOLD_FIELDS = ['location_id', 'booking_id', 'start_datetime', 'challenge', 'nonce', 'website'];
const CONFIRM_FIELDS = ['hold_token', 'patient', 'website'];
const PATIENT_FIELDS = ['first_name', 'last_name', 'email', 'phone', 'date_of_birth'];
/** Hold tokens are 43 characters; anything much longer is not one. */
const TOKEN_MAX = 128;

/**
 * The honeypot: a field people never see, so never fill. The widget always sends it empty, so a
 * request without it was not made by the widget (400 naming it, for an integrator to fix); a bot
 * that fills it gets a plain refusal that does not tell it which field gave it away.
 */
function assertHoneypotEmpty(body: Record<string, unknown>): void {
  if (body.website === undefined) throw new BadRequest('website is required: the empty field the widget sends');
  if (body.website !== '') throw new BadRequest('This request could not be accepted.');
}

/** GET /schedule?location_ids=a,b&days=14 */
export function parseScheduleQuery(querystring: string): ScheduleQuery {
  const params = parseParams(querystring, 'query');
  const unknown = [...params.names()].find((k) => !SCHEDULE_PARAMS.includes(k));
  if (unknown !== undefined) throw new BadRequest(`unknown query parameter "${unknown.slice(0, 64)}"; use location_ids and days`);
  for (const name of SCHEDULE_PARAMS) if (params.getAll(name).length > 1) throw new BadRequest(`${name} may be given once`);

  const raw = params.get('location_ids');
  if (!raw) throw new BadRequest('location_ids is required: a comma-separated list of location ids');
  const locationIds = [...new Set(raw.split(',').map((s) => s.trim()))];
  if (locationIds.length > MAX_LOCATIONS) throw new BadRequest(`location_ids may name at most ${MAX_LOCATIONS} locations`);
  for (const locationId of locationIds) id(locationId, 'location_ids');

  let days = DEFAULT_DAYS;
  const rawDays = params.get('days');
  if (rawDays !== null) {
    if (!/^\d{1,3}$/.test(rawDays) || Number(rawDays) < MIN_DAYS || Number(rawDays) > MAX_DAYS) {
      throw new BadRequest(`days must be a whole number from ${MIN_DAYS} to ${MAX_DAYS}`);
    }
    days = Number(rawDays);
  }
  return { locationIds, days };
}

/** POST /holds */
export function parseHoldRequest(body: unknown): CheckedHoldRequest {
  assertObject(body);
  assertKnownFields(body, HOLD_FIELDS);
  const location_id = id(body.location_id, 'location_id');
  const booking_id = id(body.booking_id, 'booking_id');
  const start = typeof body.start_datetime === 'string' ? parseInstant(body.start_datetime) : undefined;
  if (!start) throw new BadRequest('start_datetime must be an ISO 8601 date-time with an offset, as the schedule gave it');
  assertHoneypotEmpty(body);
  return { location_id, booking_id, start, start_datetime: body.start_datetime as string, ...proofFields(body) };
}

/** GET /holds/challenge?location_id=a */
export function parseChallengeQuery(querystring: string): { location_id: string } {
  const params = new URLSearchParams(querystring);
  const unknown = [...params.keys()].find((k) => k !== 'location_id');
  if (unknown !== undefined) throw new BadRequest(`unknown query parameter "${unknown.slice(0, 64)}"; use location_id`);
  if (params.getAll('location_id').length !== 1) throw new BadRequest('location_id is required, once: the location of the time to hold');
  return { location_id: id(params.get('location_id'), 'location_id') };
}

/** The hold token of a release or confirm body. */
function holdToken(body: Record<string, unknown>): string {
  if (typeof body.hold_token !== 'string' || body.hold_token === '' || body.hold_token.length > TOKEN_MAX) {
    throw new BadRequest('hold_token is required: the token the hold answered with');
  }
  return body.hold_token;
}

/** POST /holds/release and POST /holds/extend */
export function parseReleaseRequest(body: unknown): { hold_token: string } {
  assertObject(body);
  assertKnownFields(body, ['hold_token']);
  return { hold_token: holdToken(body) };
}

/** POST /holds/confirm */
export function parseConfirmRequest(body: unknown): CheckedConfirmRequest {
  assertObject(body);
  assertKnownFields(body, CONFIRM_FIELDS);
  const hold_token = holdToken(body);
  if (body.patient === undefined) throw new BadRequest('patient is required: first_name, last_name, email, phone, date_of_birth');
  assertObject(body.patient, 'patient');
  assertKnownFields(body.patient, PATIENT_FIELDS, 'patient');
  assertHoneypotEmpty(body);
  return { hold_token, patient: body.patient };
}
