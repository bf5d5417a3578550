// What a webhook is (CONTRACT section 7): its event types, its signature (the Standard Webhooks scheme)
// and when a failed delivery is tried again. Which change of a booking is which event is decided in the
// database, by the rules of migration 018 (webhook_event_rules), so that every writer records it.
import { createHmac, randomBytes } from 'node:crypto';

export const WEBHOOK_EVENT_TYPES = ['booking.created', 'booking.updated', 'booking.held', 'booking.released', 'booking.booked', 'booking.closed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** For /openapi.json and the README: when each is sent. */
export const WEBHOOK_EVENT_TEXT: Record<WebhookEventType, string> = {
  'booking.created': 'A booking was created (by the API, or a stand-in for one week of a weekly booking held by a patient). A booking created pending or booked is followed by booking.held or booking.booked.',
  'booking.updated': 'A field of a booking changed (its time, length, place, doctor or recurrence), or its status moved in a way no other event names (booked back to open)',
  'booking.held': 'A booking became pending: held for a patient (by the widget or a scheduling:book client), or made pending by its creator',
  'booking.released': 'A hold ended without a booking: released, or lapsed (pending back to open)',
  'booking.booked': 'A booking was booked',
  'booking.closed': 'A booking was closed (deleted), or a stand-in of a weekly booking whose hold ended',
};

/**
 * How long after each failed attempt the next one comes (the Standard Webhooks schedule: 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h), each stretched or shrunk by up to JITTER so that retries of many
 * events do not arrive together. After the last, about 27.5 hours (at least 24.8) after the first
 * attempt, the endpoint is disabled.
 */
export const RETRY_AFTER_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
export const JITTER = 0.1;

/** When to try again after `attempts` failed attempts; undefined when the schedule is spent. */
export function retryDelay(attempts: number, random: () => number = Math.random): number | undefined {
  const base = RETRY_AFTER_MS[attempts - 1];
  return base === undefined ? undefined : Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** A new signing secret, as Standard Webhooks writes one: `whsec_` and the base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The webhook-signature header: `v1,` and the base64 HMAC-SHA256 of "id.timestamp.body" under the secret's bytes. */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
