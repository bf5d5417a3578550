// The BFF's inputs, checked at the edge against the schemas of schemas.ts (the ones /openapi.json
// publishes): each failure names the field, never echoes a value that could be a patient's.
import { parseInstant, type Instant } from '../domain/time.js';
import { BadRequest, withReason } from '../errors.js';
import { ID } from '../http/assert.js';
import { parseParams } from '../http/params.js';
import { checker, deferPatientValues, paramsObject } from '../http/schema-check.js';
import { idMessage } from '../http/schemas.js';
import { DEFAULT_DAYS, MAX_DAYS, MAX_LOCATIONS, MIN_DAYS } from './limits.js';
import { ChallengeQuery, ConfirmRequest, HoldRequest, HoldTokenRequest, ManageCancelRequest, ManageMoveRequest, ManageRequest, ScheduleQuery, TOKEN_MAX } from './schemas.js';

export interface ScheduleQueryChecked {
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

const START_MESSAGE = 'start_datetime must be an ISO 8601 date-time with an offset, as the schedule gave it';
const HOLD_TOKEN_MESSAGE = 'hold_token is required: the token the hold answered with';
const proofRequired = (message: string) => () => withReason(new BadRequest(message), 'proof_required');
const CHALLENGE = proofRequired('challenge is required: the one GET /bff/v1/holds/challenge gave, solved by nonce');
const NONCE = proofRequired('nonce is required: up to 32 letters or digits so that SHA-256(challenge + nonce) has the leading zero bits asked');
/**
 * The honeypot: a field people never see, so never fill. The widget always sends it empty, so a
 * request without it was not made by the widget (400 naming it, for an integrator to fix); a bot
 * that fills it gets a plain refusal that does not tell it which field gave it away.
 */
const HONEYPOT_MISSING = 'website is required: the empty field the widget sends';
const HONEYPOT_FILLED = 'This request could not be accepted.';
const unknownParameter = (name: string, allowed: string[]) => `unknown query parameter "${name}"; use ${allowed.join(' and ')}`;

const checkSchedule = checker(ScheduleQuery, {
  what: 'query',
  problems: { '/location_ids': 'location_ids is required: a comma-separated list of location ids', '/days': `days must be a whole number from ${MIN_DAYS} to ${MAX_DAYS}` },
  missing: { '/location_ids': 'location_ids is required: a comma-separated list of location ids' },
  unknown: unknownParameter,
});

const checkChallenge = checker(ChallengeQuery, {
  what: 'query',
  problems: { '/location_id': idMessage('location_id') },
  missing: { '/location_id': 'location_id is required, once: the location of the time to hold' },
  unknown: unknownParameter,
});

const idFields = { '/location_id': idMessage('location_id'), '/booking_id': idMessage('booking_id') };
const checkHold = checker(HoldRequest, {
  what: 'body',
  fieldOrder: true,
  problems: { ...idFields, '/start_datetime': START_MESSAGE, '/website': HONEYPOT_FILLED, '/challenge': CHALLENGE, '/nonce': NONCE },
  missing: { ...idFields, '/start_datetime': START_MESSAGE, '/website': HONEYPOT_MISSING, '/challenge': CHALLENGE, '/nonce': NONCE },
});

const checkHoldToken = checker(HoldTokenRequest, {
  what: 'body',
  problems: { '/hold_token': HOLD_TOKEN_MESSAGE },
  missing: { '/hold_token': HOLD_TOKEN_MESSAGE },
});

const checkConfirm = checker(ConfirmRequest, {
  what: 'body',
  fieldOrder: true,
  problems: { '/hold_token': HOLD_TOKEN_MESSAGE, '/website': HONEYPOT_FILLED },
  missing: { '/hold_token': HOLD_TOKEN_MESSAGE, '/patient': 'patient is required: first_name, last_name, email, phone, date_of_birth', '/website': HONEYPOT_MISSING },
  deferred: deferPatientValues,
});

/** GET /schedule?location_ids=a,b&days=14 */
export function parseScheduleQuery(querystring: string): ScheduleQueryChecked {
  const query = checkSchedule(paramsObject(parseParams(querystring, 'query'), ScheduleQuery));
  const locationIds = [...new Set(query.location_ids.split(',').map((s) => s.trim()))];
  if (locationIds.length > MAX_LOCATIONS) throw new BadRequest(`location_ids may name at most ${MAX_LOCATIONS} locations`);
  for (const locationId of locationIds) if (!ID.test(locationId)) throw new BadRequest(idMessage('location_ids'));
  return { locationIds, days: query.days ?? DEFAULT_DAYS };
}

/** POST /holds */
export function parseHoldRequest(body: unknown): CheckedHoldRequest {
  const { website: _, ...hold } = checkHold(body);
  const start = parseInstant(hold.start_datetime);
  if (!start) throw new BadRequest(START_MESSAGE);
  return { ...hold, start };
}

/** GET /holds/challenge?location_id=a */
export function parseChallengeQuery(querystring: string): { location_id: string } {
  return checkChallenge(paramsObject(parseParams(querystring, 'query'), ChallengeQuery));
}

/** POST /holds/release and POST /holds/extend */
export function parseReleaseRequest(body: unknown): { hold_token: string } {
  return checkHoldToken(body);
}

/** POST /holds/confirm */
export function parseConfirmRequest(body: unknown): CheckedConfirmRequest {
  const { hold_token, patient } = checkConfirm(body);
  return { hold_token, patient };
}

const MANAGE_TOKEN_MESSAGE = 'manage_token is required: the part after # of the manage link';
/** A token there but not a string of 1 to TOKEN_MAX characters: "required" would mislead. */
const MANAGE_TOKEN_PROBLEM = `manage_token must be the part after # of the manage link: text of 1 to ${TOKEN_MAX} characters`;
const checkManage = checker(ManageRequest, {
  what: 'body',
  problems: { '/manage_token': MANAGE_TOKEN_PROBLEM, '/days': `days must be a whole number from ${MIN_DAYS} to ${MAX_DAYS}` },
  missing: { '/manage_token': MANAGE_TOKEN_MESSAGE },
});
const checkManageCancel = checker(ManageCancelRequest, {
  what: 'body',
  problems: { '/manage_token': MANAGE_TOKEN_PROBLEM },
  missing: { '/manage_token': MANAGE_TOKEN_MESSAGE },
});
const checkManageMove = checker(ManageMoveRequest, {
  what: 'body',
  fieldOrder: true,
  problems: { '/manage_token': MANAGE_TOKEN_PROBLEM, '/booking_id': idMessage('booking_id'), '/start_datetime': START_MESSAGE },
  missing: { '/manage_token': MANAGE_TOKEN_MESSAGE, '/booking_id': idMessage('booking_id'), '/start_datetime': START_MESSAGE },
});

/** POST /manage */
export function parseManageRequest(body: unknown): { manage_token: string; days: number } {
  const { manage_token, days } = checkManage(body);
  return { manage_token, days: days ?? DEFAULT_DAYS };
}

/** POST /manage/cancel */
export function parseManageCancel(body: unknown): { manage_token: string } {
  return checkManageCancel(body);
}

/** POST /manage/move: the time to move to, as the manage view offered it. */
export function parseManageMove(body: unknown): { manage_token: string; booking_id: string; start_datetime: string; start: Instant } {
  const move = checkManageMove(body);
  const start = parseInstant(move.start_datetime);
  if (!start) throw new BadRequest(START_MESSAGE);
  return { ...move, start };
}
