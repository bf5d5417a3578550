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
  {
    booking_id: Id,
    location_id: Id,
    start_datetime: Instant,
    length: Type.Integer(),
    status: Type.Literal('booked'),
    manage_url: Type.Optional(Type.String({ description: "The patient's private link to cancel or move it: PUBLIC_URL/manage#<secret>, the secret only in the fragment" })),
  },
  { additionalProperties: false, title: 'ConfirmResponse' },
);

// ---------------------------------------------------------------- managing a booked appointment

/** Manage tokens are 43 characters. */
const ManageToken = Type.String({ minLength: 1, maxLength: TOKEN_MAX, description: 'The secret of the manage link (the part after # in its URL)' });

export const ManageRequest = Type.Object(
  {
    manage_token: ManageToken,
    days: Type.Optional(Type.Integer({ minimum: MIN_DAYS, maximum: MAX_DAYS, default: DEFAULT_DAYS, description: 'Days ahead of open times to offer for a move' })),
  },
  { additionalProperties: false, title: 'ManageRequest' },
);

export const ManageCancelRequest = Type.Object({ manage_token: ManageToken }, { additionalProperties: false, title: 'ManageCancelRequest' });

export const ManageMoveRequest = Type.Object(
  {
    manage_token: ManageToken,
    booking_id: Type.String({ ...Id, description: "A slot's booking_id from the manage view" }),
    start_datetime: Type.String({ ...Instant, description: "A slot's start_datetime from the manage view" }),
  },
  { additionalProperties: false, title: 'ManageMoveRequest' },
);

export const ManageView = Type.Object(
  {
    booking_id: Id,
    location_id: Id,
    start_datetime: Instant,
    length: Type.Integer(),
    status: Type.Union([Type.Literal('booked'), Type.Literal('cancelled')], { description: 'cancelled: the practice no longer has the appointment' }),
    location: Location,
    changeable_until: UtcInstant,
    can_change: Type.Boolean({ description: 'false from CANCEL_CUTOFF_HOURS before the start: then contact the practice' }),
    slots: Type.Array(Slot, { description: 'Open times of the same location it may move to; empty when it cannot change' }),
  },
  { additionalProperties: false, title: 'ManageView' },
);

export const ManageCancelResponse = Type.Object(
  { status: Type.Literal('cancelled'), booking_id: Id, location_id: Id, start_datetime: Instant },
  { additionalProperties: false, title: 'ManageCancelResponse' },
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
sameAs<Static<typeof ManageRequest>, Shared.ManageRequest>(true);
sameAs<Static<typeof ManageCancelRequest>, Shared.ManageCancelRequest>(true);
sameAs<Static<typeof ManageMoveRequest>, Shared.ManageMoveRequest>(true);
sameAs<Static<typeof ManageView>, Shared.ManageView>(true);
sameAs<Static<typeof ManageCancelResponse>, Shared.ManageCancelResponse>(true);
