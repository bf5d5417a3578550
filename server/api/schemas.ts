// The booking API's requests and answers as JSON Schemas: what its routes check, and what
// /openapi.json publishes.
import { Type, type Static } from '@sinclair/typebox';
import { SIGN_UP_FIELDS, type Booking as SharedBooking, type Location as SharedLocation, type Practice as SharedPractice, type SignUp as SharedSignUp } from '../../shared/types.js';
import { BookingStatus, Id, Instant, sameAs, StringEnum } from '../http/schemas.js';

const BodyStatus = StringEnum(['open', 'pending', 'booked'] as const, { description: '"closed" is set by DELETE, not in a body' });
const Length = Type.Integer({ minimum: 5, maximum: 1440, description: 'Minutes' });

/** The fields a booking's body may set. */
const bookingFields = {
  start: Type.String({ ...Instant, description: 'When it starts: ISO 8601 with an offset' }),
  status: BodyStatus,
  recurring: Type.Boolean({ description: 'Weekly from start, at the same wall-clock time in its location' }),
  length: Length,
  location_id: Id,
  doctor_id: Id,
};

export const NewBookingBody = Type.Object(
  {
    start: bookingFields.start,
    location_id: bookingFields.location_id,
    doctor_id: bookingFields.doctor_id,
    status: Type.Optional(bookingFields.status),
    recurring: Type.Optional(bookingFields.recurring),
    length: Type.Optional(bookingFields.length),
  },
  { additionalProperties: false, title: 'NewBooking' },
);

/** A sign-up as sent: its values judged by the sign-up rules (shared/sign-up.ts), which the widget runs too. */
export const SignUpInput = Type.Object(
  {
    first_name: Type.String({ description: 'Up to 100 characters: letters, marks, spaces, apostrophes, hyphens, periods' }),
    last_name: Type.String({ description: 'As first_name' }),
    email: Type.String({ description: 'Up to 254 characters' }),
    phone: Type.String({ description: '7 to 15 digits, with optional +, spaces, ( ) . -' }),
    date_of_birth: Type.String({ description: 'YYYY-MM-DD, not in the future nor more than 130 years ago' }),
  },
  { additionalProperties: false, title: 'SignUpInput' },
);

export const BookingChangeBody = Type.Object(
  {
    start: Type.Optional(bookingFields.start),
    status: Type.Optional(bookingFields.status),
    recurring: Type.Optional(bookingFields.recurring),
    length: Type.Optional(bookingFields.length),
    location_id: Type.Optional(bookingFields.location_id),
    doctor_id: Type.Optional(bookingFields.doctor_id),
    patient: Type.Optional(SignUpInput),
  },
  { additionalProperties: false, minProperties: 1, title: 'BookingChange' },
);

/** How many doctors one list may be narrowed to (`doctor_id` repeated). */
export const MAX_LIST_DOCTORS = 50;

/** The query of GET /scheduling/{practices,locations}/:id/bookings. */
export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Array(BookingStatus, { description: 'Repeat for several; default open, pending and booked' })),
    doctor_id: Type.Optional(
      Type.Array(bookingFields.doctor_id, { maxItems: MAX_LIST_DOCTORS, description: `Only these doctors' bookings; repeat for several (up to ${MAX_LIST_DOCTORS})` }),
    ),
    from: Type.Optional(Type.String({ ...Instant, description: 'Bookings starting at or after (ISO 8601 with an offset)' })),
    to: Type.Optional(Type.String({ ...Instant, description: 'Bookings starting before (ISO 8601 with an offset); after from' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 500, description: 'Bookings per page' })),
    cursor: Type.Optional(Type.String({ maxLength: 4096, description: 'The next page, from a Link header; not made by clients' })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

// ---------------------------------------------------------------- answers

export const Booking = Type.Object(
  {
    id: Id,
    location_id: Id,
    doctor_id: Id,
    start_datetime: Type.String({ ...Instant, description: "ISO 8601 with the offset it was given (or the location's)" }),
    length: Length,
    status: BookingStatus,
    recurring: Type.Boolean(),
  },
  { additionalProperties: false, title: 'Booking' },
);

export const Practice = Type.Object(
  {
    id: Id,
    name: Type.String(),
    location_ids: Type.Array(Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false, title: 'Practice' },
);

export const Location = Type.Object(
  {
    id: Id,
    name: Type.String(),
    website: Type.String(),
    street_address: Type.String(),
    secondary_address: Type.String(),
    city: Type.String(),
    state: Type.String(),
    zip: Type.String(),
    timezone: Type.String({ description: 'IANA time zone, like America/Chicago' }),
  },
  { additionalProperties: false, title: 'Location' },
);

export const SignUp = Type.Object(
  Object.fromEntries(SIGN_UP_FIELDS.map((field) => [field, Type.String()])) as Record<(typeof SIGN_UP_FIELDS)[number], ReturnType<typeof Type.String>>,
  { additionalProperties: false, title: 'SignUp', description: "The patient's sign-up, as normalised when stored" },
);

export const ClosedBooking = Type.Object({ id: Id, status: Type.Literal('closed') }, { additionalProperties: false });

sameAs<Static<typeof Booking>, SharedBooking>(true);
sameAs<Static<typeof Practice>, SharedPractice>(true);
sameAs<Static<typeof Location>, SharedLocation>(true);
sameAs<Static<typeof SignUp>, SharedSignUp>(true);
