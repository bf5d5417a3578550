import { BOOKING_STATUSES, type BookingStatus } from '../../shared/types.js';
import type { BookingChange, NewBooking } from '../domain/bookings.js';
import { checkSignUp } from '../../shared/sign-up.js';
import { parseInstant, type Instant } from '../domain/time.js';
import { BadRequest } from '../errors.js';
import { assertKnownFields, assertObject, id } from '../http/assert.js';

const FIELDS = ['start', 'status', 'recurring', 'length', 'location_id', 'doctor_id'] as const;

export function instant(value: unknown, field: string): Instant {
  const parsed = typeof value === 'string' ? parseInstant(value) : undefined;
  if (!parsed) throw new BadRequest(`${field} must be an ISO 8601 date-time with an offset, like 2018-10-25T16:44:02.722-06:00`);
  return parsed;
}

function status(value: unknown): Exclude<BookingStatus, 'closed'> {
  if (value === 'closed') throw new BadRequest('status "closed" is set by DELETE, not in a body');
  if (typeof value !== 'string' || !(BOOKING_STATUSES as readonly string[]).includes(value)) {
    throw new BadRequest('status must be one of "open", "pending", "booked"');
  }
  return value as Exclude<BookingStatus, 'closed'>;
}

function length(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 5 || value > 1440) {
    throw new BadRequest('length must be a whole number of minutes from 5 to 1440');
  }
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new BadRequest(`${field} must be true or false`);
  return value;
}

function fields(body: Record<string, unknown>): Partial<NewBooking> {
  const out: Partial<NewBooking> = {};
  if (body.start !== undefined) out.start = instant(body.start, 'start');
  if (body.status !== undefined) out.status = status(body.status);
  if (body.recurring !== undefined) out.recurring = boolean(body.recurring, 'recurring');
  if (body.length !== undefined) out.length = length(body.length);
  if (body.location_id !== undefined) out.location_id = id(body.location_id, 'location_id');
  if (body.doctor_id !== undefined) out.doctor_id = id(body.doctor_id, 'doctor_id');
  for (const [key, value] of Object.entries(body)) if (value === null) throw new BadRequest(`${key} must not be null`);
  return out;
}

/** A POST /scheduling/bookings body. */
export function parseNewBooking(body: unknown): NewBooking {
  assertObject(body);
  assertKnownFields(body, FIELDS);
  for (const required of ['start', 'location_id', 'doctor_id'] as const) {
    if (body[required] === undefined) throw new BadRequest(`${required} is required`);
  }
  return fields(body) as NewBooking;
}

/** A PUT /scheduling/bookings/:id body. */
export function parseBookingChange(body: unknown, today: string): BookingChange {
  assertObject(body);
  assertKnownFields(body, [...FIELDS, 'patient']);
  if (Object.keys(body).length === 0) throw new BadRequest(`body names no field to change; fields are ${FIELDS.join(', ')}, patient`);
  const change: BookingChange = fields(body);
  if (body.patient !== undefined) {
    assertObject(body.patient, 'patient');
    assertKnownFields(body.patient, ['first_name', 'last_name', 'email', 'phone', 'date_of_birth'], 'patient');
    const checked = checkSignUp(body.patient, today);
    if (checked.problems) {
      const [field, problem] = Object.entries(checked.problems)[0];
      throw new BadRequest(`patient.${field} is ${problem === 'required' ? 'required' : problem.replace('_', ' ')}`);
    }
    change.patient = checked.signUp;
  }
  return change;
}

