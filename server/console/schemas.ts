// The practice console's requests and answers as JSON Schemas: what its routes check, what
// /openapi.json publishes, and (as static types) what the console page reads.
import { Type, type Static } from '@sinclair/typebox';
import { Location } from '../api/schemas.js';
import { Id, UtcInstant } from '../http/schemas.js';

/** The secret of a sign-in link: 43 base64url characters; anything much longer is not one. */
export const SessionRequest = Type.Object(
  { secret: Type.String({ minLength: 1, maxLength: 128, description: "The secret from the link's fragment (after #)" }) },
  { additionalProperties: false, title: 'ConsoleSessionRequest' },
);

const PracticeRef = Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false });

export const SessionResponse = Type.Object({ practice: PracticeRef }, { additionalProperties: false, title: 'ConsoleSession' });

export const Me = Type.Object(
  {
    practice: PracticeRef,
    csrf_token: Type.String({ description: 'Send back in X-CSRF-Token with every change' }),
    origin: Type.String({ description: 'This server: where widget.js is loaded from' }),
  },
  { additionalProperties: false, title: 'ConsoleMe' },
);

/** A location as the booking API shows it, less its website (the console shows where and when, not links). */
export const ConsoleLocation = Type.Omit(Location, ['website'], { additionalProperties: false, title: 'ConsoleLocation' });
export const Locations = Type.Object({ locations: Type.Array(ConsoleLocation) }, { additionalProperties: false, title: 'ConsoleLocations' });

export const Site = Type.Object({ origin: Type.String(), created_at: UtcInstant }, { additionalProperties: false, title: 'ConsoleSite' });
export const Sites = Type.Object({ sites: Type.Array(Site) }, { additionalProperties: false, title: 'ConsoleSites' });
export const NewSite = Type.Object(
  { origin: Type.String({ minLength: 1, maxLength: 300, description: 'https://host[:port], exactly as `thread sites create` takes it' }) },
  { additionalProperties: false, title: 'ConsoleNewSite' },
);

export const APPOINTMENTS_MAX = 100;
export const AppointmentsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: APPOINTMENTS_MAX, default: 25, description: 'Appointments a page' })),
    cursor: Type.Optional(Type.String({ pattern: '^\\d{1,16}\\.[A-Za-z0-9_.:-]{1,64}$', description: "The last page's next" })),
  },
  { additionalProperties: false },
);
export const Appointment = Type.Object(
  {
    id: Id,
    doctor_id: Id,
    start_datetime: Type.String({ description: "ISO 8601 with the offset it was booked with; shown in the location's time zone" }),
    length: Type.Integer({ minimum: 5, maximum: 1440 }),
  },
  { additionalProperties: false, title: 'ConsoleAppointment' },
);
export const Appointments = Type.Object(
  {
    location_id: Id,
    timezone: Type.String(),
    appointments: Type.Array(Appointment, { description: 'Booked, from now on, by start' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'The cursor of the next page, or null' }),
  },
  { additionalProperties: false, title: 'ConsoleAppointments' },
);

export type MeBody = Static<typeof Me>;
export type LocationsBody = Static<typeof Locations>;
export type SitesBody = Static<typeof Sites>;
export type AppointmentsBody = Static<typeof Appointments>;
export type ConsoleLocationBody = Static<typeof ConsoleLocation>;
