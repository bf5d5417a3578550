// Checks for JSON bodies at the edge, shared by the booking API and the BFF. Each failure
// names the field, and never echoes more than 64 characters of what was sent.
import { BadRequest } from '../errors.js';

/** Ids of practices, locations, bookings and clients. */
export const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function assertObject(value: unknown, what = 'body'): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequest(`${what} must be a JSON object`);
}

export function assertKnownFields(value: Record<string, unknown>, allowed: readonly string[], what = 'body'): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new BadRequest(`${what} has an unknown field "${unknown.slice(0, 64)}"; fields are ${allowed.join(', ')}`);
}

export function id(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new BadRequest(`${field} must be an id of 1 to 64 letters, digits, or . _ : -`);
  return value;
}
