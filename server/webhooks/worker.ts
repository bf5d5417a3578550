// The delivery worker, inside each server process (no second service to run): it claims due
// deliveries in the database, so that with several processes each is sent by one of them, POSTs
// them signed, and records the outcome. At least once: a delivery whose process died mid-way is
// claimed again once its claim lapses.
import { randomUUID } from 'node:crypto';
import type { BookingStatus } from '../../shared/types.js';
import type { ClaimedDelivery, WebhookStore } from '../db/webhooks.js';
import { toBooking } from '../domain/bookings.js';
import { retryDelay, signature } from './events.js';
import { send, SEND_TIMEOUT_MS, type SendResult } from './send.js';
import { checkWebhookUrl, RefusedUrl, resolveWebhookUrl, type WebhookLookup } from './url-check.js';

/** Deliveries in flight at once in one process, over every endpoint (each endpoint has one at a time: see db/webhooks.ts). */
const CONCURRENCY = 16;
/** How often an idle worker looks for due deliveries. */
const POLL_MS = 250;
/** How long a claim keeps other processes off a delivery: well past the send's timeout. */
const CLAIM_MS = SEND_TIMEOUT_MS * 3;
/** Deliveries done and events no endpoint waits for are kept this long (for `webhooks list` and support). */
const KEEP_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface WebhookWorkerOptions {
  data: WebhookStore;
  now: () => number;
  allowLoopback: boolean;
  lookup: WebhookLookup;
  log: (line: Record<string, unknown>) => void;
}

/** The webhook-id of an event for an endpoint: the same on every retry. */
export const webhookId = (delivery: Pick<ClaimedDelivery, 'event_id' | 'endpoint_id'>) => `msg_${delivery.event_id}_${delivery.endpoint_id}`;

/** The body a receiver gets: the event's type and time, and the booking as the API shows it. */
export function webhookBody(delivery: Pick<ClaimedDelivery, 'type' | 'booking' | 'occurred_at'>): string {
  const stored = JSON.parse(delivery.booking) as { id: string; location_id: string; doctor_id: string; start_at: number; start_offset: number; length: number; status: BookingStatus; recurring: 0 | 1 };
  return JSON.stringify({ type: delivery.type, timestamp: new Date(delivery.occurred_at).toISOString(), data: toBooking(stored) });
}

export function startWebhookWorker(options: WebhookWorkerOptions) {
  const { data, now, log } = options;
  // This process's claims; a claim of a process that died lapses after CLAIM_MS.
  const claim = `${process.pid}:${randomUUID()}`;
  const inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let stopped = false;
  let passing: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let prunedAt = -Infinity;

  function wake(ms: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void pass(), ms);
    timer.unref();
  }

  async function attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<SendResult> {
    try {
      const url = checkWebhookUrl(delivery.url, options.allowLoopback);
      const to = await resolveWebhookUrl(url, options.allowLoopback, options.lookup);
      const body = webhookBody(delivery);
      const id = webhookId(delivery);
      const timestamp = Math.floor(now() / 1000);
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature(delivery.secret, id, timestamp, body) };
      return await send(url, to, headers, body, signal);
    } catch (error) {
      if (error instanceof RefusedUrl) return { statusCode: null, error: `refused: ${error.message}` };
      throw error;
    }
  }

  async function deliver(delivery: ClaimedDelivery, controller: AbortController): Promise<void> {
    const result = await attempt(delivery, controller.signal);
    // Stopping: the claim is given back untried (see stop), so another process sends it at once.
    if (stopped) return;
    const at = now();
    const attempts = delivery.attempts + 1;
    const delay = result.error === null ? undefined : retryDelay(attempts);
    const givenUp = result.error !== null && delay === undefined;
    await data.write((webhooks) => webhooks.finish(delivery, claim, {
      at,
      statusCode: result.statusCode,
      error: result.error,
      nextAttemptAt: delay === undefined ? null : at + delay,
      disable: givenUp ? `${delivery.type} could not be delivered in ${attempts} attempts over ${Math.round((at - delivery.occurred_at) / 3_600_000)} hours; last: ${result.error}` : undefined,
    }));
    // The endpoint's id, never its URL (a receiver may put a token in it).
    log({ level: result.error === null ? 'info' : 'warn', msg: 'webhook', endpoint: delivery.endpoint_id, event: delivery.event_id, type: delivery.type, attempt: attempts, status: result.statusCode, ...(result.error ? { error: result.error } : {}), ...(givenUp ? { disabled: true } : {}) });
  }

  function start(delivery: ClaimedDelivery): void {
    const key = webhookId(delivery);
    // With a test's clock moved on, a claim of ours may look lapsed while its attempt is still on its way.
    if (inFlight.has(key)) return;
    const controller = new AbortController();
    const done = deliver(delivery, controller)
      .catch((error: Error) => log({ level: 'error', msg: `webhook delivery failed: ${error.message}`, endpoint: delivery.endpoint_id, event: delivery.event_id }))
      .finally(() => {
        inFlight.delete(key);
        // The endpoint's next delivery may be due already.
        wake(0);
      });
    inFlight.set(key, { controller, done });
  }

  async function pass(): Promise<void> {
    if (stopped) return;
    if (passing) {
      again = true;
      return;
    }
    let claimed = 0;
    passing = (async () => {
      const at = now();
      const room = CONCURRENCY - inFlight.size;
      const next = room > 0 ? await data.read.nextDue() : null;
      if (next !== null && next <= at) {
        const due = await data.write((webhooks) => webhooks.claimDue(at, at + CLAIM_MS, claim, room));
        claimed = due.length;
        for (const delivery of due) start(delivery);
      }
      if (at - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = at;
        await data.write((webhooks) => webhooks.prune(at - KEEP_MS));
      }
    })().catch((error: Error) => log({ level: 'error', msg: `webhook worker: ${error.message}` }));
    await passing;
    passing = undefined;
    const soon = again || claimed > 0;
    again = false;
    wake(soon ? 0 : POLL_MS);
  }

  wake(0);
  return {
    /** Stops claiming, abandons the attempts in flight and gives their claims back; settles when done. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await passing;
      for (const { controller } of inFlight.values()) controller.abort();
      await Promise.all([...inFlight.values()].map(({ done }) => done));
      await data.write((webhooks) => webhooks.release(claim));
    },
  };
}
export type WebhookWorker = ReturnType<typeof startWebhookWorker>;
