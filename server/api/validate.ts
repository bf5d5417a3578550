// The booking API's inputs, checked against the schemas of schemas.ts (the ones /openapi.json
// publishes), then by the rules a schema cannot say: a real calendar instant, the sign-up rules.
import { BOOKING_STATUSES } from '../../shared/types.js';
import type { BookingChange, NewBooking } from '../domain/bookings.js';
import { checkSignUp } from '../../shared/sign-up.js';
import { parseInstant, type Instant } from '../domain/time.js';
import { BadRequest } from '../errors.js';
import type { Params } from '../http/params.js';
import { checker, deferPatientValues, paramsObject, type Problem } from '../http/schema-check.js';
import { idMessage } from '../http/schemas.js';
import { BookingChangeBody, ListQuery, MAX_LIST_DOCTORS, NewBookingBody } from './schemas.js';

const FIELDS = Object.keys(NewBookingBody.properties);
const instantMessage = (field: string) => `${field} must be an ISO 8601 date-time with an offset, like 2018-10-25T16:44:02.722-06:00`;

export function instant(value: unknown, field: string): Instant {
  const parsed = typeof value === 'string' ? parseInstant(value) : undefined;
  if (!parsed) throw new BadRequest(instantMessage(field));
  return parsed;
}

const bodyProblems: Record<string, Problem> = {
  '/start': instantMessage('start'),
  '/status': (value) => (value === 'closed' ? 'status "closed" is set by DELETE, not in a body' : 'status must be one of "open", "pending", "booked"'),
  '/recurring': 'recurring must be true or false',
  '/length': 'length must be a whole number of minutes from 5 to 1440',
  '/location_id': idMessage('location_id'),
  '/doctor_id': idMessage('doctor_id'),
};


const checkNewBooking = checker(NewBookingBody, { what: 'body', problems: bodyProblems });
const checkChange = checker(BookingChangeBody, {
  what: 'body',
  problems: { ...bodyProblems, '': `body names no field to change; fields are ${FIELDS.join(', ')}, patient` },
  deferred: deferPatientValues,
});

/**
 * The fields given, always in one order whatever order they were sent in: an Idempotency-Key's
 * request hash is taken of this (hashes stored before the schemas were taken in this same order).
 */
const ORDER = ['start', 'status', 'recurring', 'length', 'location_id', 'doctor_id'] as const;
function inOrder<T extends Partial<Record<(typeof ORDER)[number], unknown>>>(fields: T): T {
  const out: Partial<T> = {};
  for (const key of ORDER) if (fields[key] !== undefined) out[key] = fields[key];
  return out as T;
}

/** A POST /scheduling/bookings body. */
export function parseNewBooking(body: unknown): NewBooking {
  const checked = checkNewBooking(body);
  return inOrder({ ...checked, start: instant(checked.start, 'start') });
}

/** A PUT /scheduling/bookings/:id body. */
export function parseBookingChange(body: unknown, today: string): BookingChange {
  const { start, patient, ...rest } = checkChange(body);
  const change: BookingChange = inOrder({ ...rest, start: start === undefined ? undefined : instant(start, 'start') });
  if (patient !== undefined) {
    const checked = checkSignUp(patient, today);
    if (checked.problems) {
      const [field, problem] = Object.entries(checked.problems)[0];
      throw new BadRequest(`patient.${field} is ${problem === 'required' ? 'required' : problem.replace('_', ' ')}`);
    }
    change.patient = checked.signUp;
  }
  return change;
}

const checkListQuery = checker(ListQuery, {
  what: 'query',
  problems: {
    '/status': (value) => `status must be one of ${BOOKING_STATUSES.join(', ')}; got "${String(value).slice(0, 64)}"`,
    '/doctor_id': `doctor_id must be a doctor id, repeated at most ${MAX_LIST_DOCTORS} times`,
    '/from': instantMessage('from'),
    '/to': instantMessage('to'),
    '/limit': 'limit must be a whole number from 1 to 500',
    '/cursor': 'cursor is not one this API gave out; take it from a Link header',
  },
  unknown: (name, allowed) => `unknown query parameter "${name}"; use ${allowed.join(', ')}`,
});

/** The query of a list, checked: instants parsed, to after from. */
export function parseListQuery(params: Params): Omit<ListQuery, 'from' | 'to'> & { from?: number; to?: number } {
  const query = checkListQuery(paramsObject(params, ListQuery));
  const from = query.from === undefined ? undefined : instant(query.from, 'from').ms;
  const to = query.to === undefined ? undefined : instant(query.to, 'to').ms;
  if (from !== undefined && to !== undefined && to <= from) throw new BadRequest('to must be after from');
  return { status: query.status, doctor_id: query.doctor_id, from, to, limit: query.limit, cursor: query.cursor };
}
