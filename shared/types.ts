// Types shared by the server, the widget and the tests: the booking API's
// shapes, the error body, and the BFF's small JSON API for the widget.
// The server's JSON Schemas (server/*/schemas.ts, published at /openapi.json) are
// checked against these at compile time: the widget bundles no schema library.

// ---------------------------------------------------------------- booking API

export const BOOKING_STATUSES = ['open', 'pending', 'booked', 'closed'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** A booking as the API returns it. */
export interface Booking {
  id: string;
  location_id: string;
  doctor_id: string;
  /** ISO 8601 with the offset it was given (or the location's offset). */
  start_datetime: string;
  /** Minutes, 5..1440. */
  length: number;
  status: BookingStatus;
  recurring: boolean;
}

export interface Practice {
  id: string;
  name: string;
  location_ids: Array<{ id: string; name: string }>;
}

export interface Location {
  id: string;
  name: string;
  website: string;
  street_address: string;
  secondary_address: string;
  city: string;
  state: string;
  zip: string;
  timezone: string;
}

/** The sign-up a patient gives in the widget. */
export interface SignUp {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  /** YYYY-MM-DD */
  date_of_birth: string;
}
export const SIGN_UP_FIELDS = ['first_name', 'last_name', 'email', 'phone', 'date_of_birth'] as const;
export type SignUpField = (typeof SIGN_UP_FIELDS)[number];

// ---------------------------------------------------------------- errors

export const ERROR_CODES = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'unavailable',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Why a BFF call failed, in words the widget can translate. */
export const BFF_REASONS = [
  'site_not_registered',
  'location_not_allowed',
  'unknown_location',
  'slot_taken',
  'hold_not_found',
  'hold_expired',
  'too_many_holds',
  'outside_window',
  'extend_limit',
  'proof_required',
  'proof_invalid',
  'proof_expired',
  'proof_too_weak',
  'proof_reused',
  'rate_limited',
  'invalid_fields',
  'upstream_unavailable',
  'manage_not_found',
  'manage_busy',
  'past_cutoff',
] as const;
export type BffReason = (typeof BFF_REASONS)[number];

export const FIELD_PROBLEMS = ['required', 'invalid', 'too_long', 'in_future', 'too_old'] as const;
export type FieldProblem = (typeof FIELD_PROBLEMS)[number];

/** Every error body, from the API, the token endpoint's non-OAuth paths and the BFF. */
export interface ErrorBody {
  status: ErrorCode;
  message: string;
  /** BFF only: a stable reason the widget translates. */
  reason?: BffReason;
  /** BFF confirm only: one problem per sign-up field. */
  fields?: Partial<Record<SignUpField, FieldProblem>>;
}

// ---------------------------------------------------------------- BFF (widget) API
// Base: `${apiBase}/bff/v1`. Every call is JSON, CORS for registered sites only.

/** One bookable time. For a weekly series, `booking_id` is the series and
 * `start_datetime` names the occurrence. */
export interface Slot {
  booking_id: string;
  start_datetime: string;
  length: number;
  doctor_id: string;
}

export interface ScheduleLocation extends Location {
  /** Ordered by start. */
  slots: Slot[];
}

/** GET /bff/v1/schedule?location_ids=a,b&days=14 */
export interface ScheduleResponse {
  /** The window, ISO 8601 UTC. */
  from: string;
  to: string;
  /** In the order the tag named them. */
  locations: ScheduleLocation[];
}

/** 200 from GET /bff/v1/holds/challenge?location_id=a: the proof of work a hold there needs. */
export interface HoldChallenge {
  challenge: string;
  /** Find a nonce so that SHA-256(challenge + nonce) starts with this many zero bits. */
  bits: number;
  expires_at: string;
}

/** POST /bff/v1/holds */
export interface HoldRequest {
  location_id: string;
  booking_id: string;
  start_datetime: string;
  /** From GET /holds/challenge for this location, with the nonce that solves it; each holds once. */
  challenge: string;
  nonce: string;
  /** Honeypot: must be sent, and empty. */
  website: '';
}

/** 201 from POST /bff/v1/holds */
export interface HoldResponse {
  /** Secret of this hold: only its bearer confirms or releases it. */
  hold_token: string;
  /** The booking now pending (for an occurrence, the one-off booking made for it). */
  booking_id: string;
  location_id: string;
  start_datetime: string;
  length: number;
  expires_at: string;
  /** Seconds left, so the countdown does not depend on the patient's clock. */
  expires_in: number;
}

/** POST /bff/v1/holds/release (JSON, or text/plain holding JSON for keepalive on page exit) */
export interface ReleaseRequest {
  hold_token: string;
}

/** POST /bff/v1/holds/extend: a first hold is short; this lengthens it to HOLD_MINUTES from now. */
export interface ExtendRequest {
  hold_token: string;
}

/** 200 from POST /bff/v1/holds/extend */
export interface ExtendResponse {
  expires_at: string;
  expires_in: number;
  /** Further extend calls this hold allows. */
  extensions_left: number;
}

/** POST /bff/v1/holds/confirm */
export interface ConfirmRequest {
  hold_token: string;
  patient: SignUp;
  /** Honeypot: must be sent, and empty. */
  website: '';
}

/** 200 from POST /bff/v1/holds/confirm */
export interface ConfirmResponse {
  booking_id: string;
  location_id: string;
  start_datetime: string;
  length: number;
  status: 'booked';
  /**
   * The patient's private link to cancel or move the appointment: `PUBLIC_URL/manage#<secret>`. The
   * secret is only in the fragment, which browsers never send to a server.
   */
  manage_url?: string;
}

// ---------------------------------------------------------------- managing a booked appointment
// The manage link's secret travels in the body, never in a URL.

/** POST /bff/v1/manage: the appointment a manage link stands for, and the open times it may move to. */
export interface ManageRequest {
  manage_token: string;
  /** Days ahead of open times to offer for a move (default 14). */
  days?: number;
}

/** POST /bff/v1/manage/move */
export interface ManageMoveRequest {
  manage_token: string;
  /** A slot of the view's `slots`. */
  booking_id: string;
  start_datetime: string;
}

/** POST /bff/v1/manage/cancel */
export interface ManageCancelRequest {
  manage_token: string;
}

/** 200 from POST /bff/v1/manage and /manage/move. Never a patient's data. */
export interface ManageView {
  booking_id: string;
  location_id: string;
  start_datetime: string;
  length: number;
  /** `cancelled`: the practice no longer has the appointment (it was closed or reopened). */
  status: 'booked' | 'cancelled';
  /** Where, and how to reach the practice. */
  location: Location;
  /** Until when it can be cancelled or moved online (CANCEL_CUTOFF_HOURS before the start). */
  changeable_until: string;
  can_change: boolean;
  /** Open times of the same location it may move to (empty when it cannot change). */
  slots: Slot[];
}

/** 200 from POST /bff/v1/manage/cancel */
export interface ManageCancelResponse {
  status: 'cancelled';
  booking_id: string;
  location_id: string;
  start_datetime: string;
}

/** Detail of the widget's thread-hold, thread-booked, thread-release, thread-cancelled and thread-rescheduled events. */
export interface BookingEventDetail {
  booking_id: string;
  location_id: string;
  start_datetime: string;
}
