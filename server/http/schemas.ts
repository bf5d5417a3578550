// Schemas every part of the server shares: ids, instants, the error body. One source for the
// checks at the edge and for /openapi.json.
import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import { BFF_REASONS, BOOKING_STATUSES, ERROR_CODES, FIELD_PROBLEMS, SIGN_UP_FIELDS, type ErrorBody as SharedErrorBody } from '../../shared/types.js';
import { ISO } from '../domain/time.js';
import { ID } from './assert.js';

/** A string of the given values, as `enum` (what OpenAPI tools read best). */
export const StringEnum = <T extends string>(values: readonly T[], options: Record<string, unknown> = {}): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

export const Id = Type.String({ pattern: ID.source, description: '1 to 64 letters, digits, or . _ : -' });
export const idMessage = (field: string) => `${field} must be an id of 1 to 64 letters, digits, or . _ : -`;

/** An instant as the API takes and gives it: ISO 8601 with an offset (a real date and time, to the millisecond). */
export const Instant = Type.String({ pattern: ISO.source, description: 'ISO 8601 date-time with an offset, like 2018-10-25T16:44:02.722-06:00' });
/** An instant the server writes, always in UTC. */
export const UtcInstant = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

export const BookingStatus = StringEnum(BOOKING_STATUSES);


/** Every error body: the booking API's, the BFF's (with `reason`, and `fields` on a refused sign-up), the server's. */
export const ErrorBody = Type.Object(
  {
    status: StringEnum([...new Set(Object.values(ERROR_CODES))], { description: 'The kind of error, one word' }),
    message: Type.String({ description: 'What went wrong, for a person: names the field, never echoes patient data' }),
    reason: Type.Optional(StringEnum(BFF_REASONS, { description: 'BFF only: why, in a word the widget translates' })),
    fields: Type.Optional(
      Type.Object(Object.fromEntries(SIGN_UP_FIELDS.map((f) => [f, Type.Optional(StringEnum(FIELD_PROBLEMS))])), {
        additionalProperties: false,
        description: 'BFF confirm only: the problem of each sign-up field',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The static types above match the hand-written ones the widget shares (a difference fails the type check). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const sameAs = <A, B>(same: Same<A, B>) => same;
sameAs<Static<typeof ErrorBody>, SharedErrorBody>(true);

