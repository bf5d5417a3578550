// The BFF's requests and answers as JSON Schemas: what its routes check, and what /openapi.json
// publishes. The widget's types (shared/types.ts) are checked against them at compile time.
import { Type, type Static } from '@sinclair/typebox';
import type * as Shared from '../../shared/types.js';
import { Location, SignUpInput } from '../api/schemas.js';
import { Id, Instant, sameAs, UtcInstant } from '../http/schemas.js';
import { DEFAULT_DAYS, MAX_DAYS, MAX_LOCATIONS, MIN_DAYS } from './limits.js';

/** Hold tokens are 43 characters; anything much longer is not one. */
export const TOKEN_MAX = 128;
const HoldToken = Type.String({ minLength: 1, maxLength: TOKEN_MAX, description: 'The token the hold answered with: the secret of the hold' });
const Honeypot = Type.Literal('', { description: 'Must be sent, and empty: a field people never see' });

export const ScheduleQuery = Type.Object(
  {
    location_ids: Type.String({ minLength: 1, description: `Comma-separated location ids, at most ${MAX_LOCATIONS}` }),
    days: Type.Optional(Type.Integer({ minimum: MIN_DAYS, maximum: MAX_DAYS, default: DEFAULT_DAYS, description: 'Days from now the schedule covers' })),
  },
  { additionalProperties: false },
);

export const ChallengeQuery = Type.Object({ location_id: Id }, { additionalProperties: false });

export const HoldRequest = Type.Object(
  {
    location_id: Id,
    booking_id: Type.String({ ...Id, description: 'A slot\'s booking_id from the schedule' }),
    start_datetime: Type.String({ ...Instant, description: "A slot's start_datetime from the schedule" }),
    // Before the proof, as it always was checked: a bot that fills it learns nothing of the proof.
    website: Honeypot,
    challenge: Type.String({ minLength: 1, maxLength: 1024, description: 'From GET /bff/v1/holds/challenge for this location' }),
    nonce: Type.String({ pattern: '^[0-9A-Za-z_-]{1,32}$', description: 'So that SHA-256(challenge + nonce) starts with the bits asked' }),
  },
  { additionalProperties: false, title: 'HoldRequest' },
);

export const HoldTokenRequest = Type.Object({ hold_token: HoldToken }, { additionalProperties: false, title: 'HoldTokenRequest' });

export const ConfirmRequest = Type.Object(
  { hold_token: HoldToken, patient: SignUpInput, website: Honeypot },
  { additionalProperties: false, title: 'ConfirmRequest' },
);

// ---------------------------------------------------------------- answers

export const Slot = Type.Object(
  {
    booking_id: Id,
    start_datetime: Type.String({ ...Instant, description: "In the location's offset; for a weekly series, the occurrence" }),
    length: Type.Integer({ minimum: 5, maximum: 1440 }),
    doctor_id: Id,
  },
  { additionalProperties: false, title: 'Slot' },
);

export const ScheduleLocation = Type.Object(
  { ...Location.properties, slots: Type.Array(Slot, { description: 'Ordered by start' }) },
  { additionalProperties: false, title: 'ScheduleLocation' },
);

export const ScheduleResponse = Type.Object(
  { from: UtcInstant, to: UtcInstant, locations: Type.Array(ScheduleLocation, { description: 'In the order asked' }) },
  { additionalProperties: false, title: 'ScheduleResponse' },
);

export const HoldChallenge = Type.Object(
  {
    challenge: Type.String(),
    bits: Type.Integer({ minimum: 0, description: 'Leading zero bits SHA-256(challenge + nonce) must have' }),
    expires_at: UtcInstant,
  },
  { additionalProperties: false, title: 'HoldChallenge' },
);

export const HoldResponse = Type.Object(
  {
    hold_token: Type.String({ description: 'Secret of this hold: only its bearer confirms, extends or releases it' }),
    booking_id: Id,
    location_id: Id,
    start_datetime: Instant,
    length: Type.Integer(),
    expires_at: UtcInstant,
    expires_in: Type.Integer({ minimum: 0, description: 'Seconds left' }),
  },
  { additionalProperties: false, title: 'HoldResponse' },
);

export const ExtendResponse = Type.Object(
  { expires_at: UtcInstant, expires_in: Type.Integer({ minimum: 0 }), extensions_left: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false, title: 'ExtendResponse' },
);

export const ReleaseResponse = Type.Object(
  { status: Type.Union([Type.Literal('released'), Type.Literal('booked')], { description: 'Released (now or before), or booked and left as it is' }) },
  { additionalProperties: false, title: 'ReleaseResponse' },
);

export const ConfirmResponse = Type.Object(
  { booking_id: Id, location_id: Id, start_datetime: Instant, length: Type.Integer(), status: Type.Literal('booked') },
  { additionalProperties: false, title: 'ConfirmResponse' },
);

sameAs<Static<typeof HoldRequest>, Shared.HoldRequest>(true);
sameAs<Static<typeof ConfirmRequest>, Shared.ConfirmRequest>(true);
sameAs<Static<typeof HoldTokenRequest>, Shared.ReleaseRequest>(true);
sameAs<Static<typeof Slot>, Shared.Slot>(true);
sameAs<Static<typeof ScheduleResponse>, Shared.ScheduleResponse>(true);
sameAs<Static<typeof HoldChallenge>, Shared.HoldChallenge>(true);
sameAs<Static<typeof HoldResponse>, Shared.HoldResponse>(true);
sameAs<Static<typeof ExtendResponse>, Shared.ExtendResponse>(true);
sameAs<Static<typeof ConfirmResponse>, Shared.ConfirmResponse>(true);
