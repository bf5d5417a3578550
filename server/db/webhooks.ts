// Webhook endpoints, and the deliveries the triggers of migration 018 fan out to them: claimed by one
// process at a time (SQLite: one conditional UPDATE under its single writer; PostgreSQL: FOR UPDATE
// SKIP LOCKED), finished only by the claim that took them.
import type { Executor } from './executor.js';
import type { Store } from './store-types.js';
import type { Keyring } from './keyring.js';
import { webhookSecretContext } from './sealed-rows.js';
import { open, seal } from './sealing.js';

export interface WebhookEndpointRow {
  id: string;
  client_id: string;
  url: string;
  /** Space-separated event types. */
  events: string;
  created_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
}

/** A delivery this process claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  endpoint_id: string;
  event_id: number;
  /** Attempts made before this one. */
  attempts: number;
  url: string;
  secret: string;
  type: string;
  /** JSON of the booking's fields, as the trigger stored them. */
  booking: string;
  occurred_at: number;
}

export interface AttemptOutcome {
  at: number;
  statusCode: number | null;
  /** Null when the receiver took it (2xx). */
  error: string | null;
  /** When to try again; null when delivered or given up. */
  nextAttemptAt: number | null;
  /** Set when this failure spent the schedule: the endpoint is disabled with this reason. */
  disable?: string;
}

// An endpoint with its last attempt (kept apart: see migration 018's webhook_endpoint_status).
const ENDPOINTS = `SELECT e.id, e.client_id, e.url, e.events, e.created_at, e.disabled_at, e.disabled_reason, s.last_attempt_at, s.last_status_code, s.last_error
  FROM webhook_endpoints e LEFT JOIN webhook_endpoint_status s ON s.endpoint_id = e.id`;
const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
/** PostgreSQL's driver gives BIGINT as text: instants and ids become numbers here. */
const endpointRow = (row: WebhookEndpointRow): WebhookEndpointRow => ({
  ...row,
  created_at: Number(row.created_at),
  disabled_at: num(row.disabled_at),
  last_attempt_at: num(row.last_attempt_at),
  last_status_code: num(row.last_status_code),
});

// The earliest due delivery of each endpoint that has none in flight (one at a time per endpoint, so
// its changes arrive in order, a retry aside), of a live endpoint, not claimed by anyone.
const DUE = `d.next_attempt_at <= :now AND (d.claimed_until IS NULL OR d.claimed_until <= :now)
  AND d.event_id = (SELECT MIN(x.event_id) FROM webhook_deliveries x WHERE x.endpoint_id = d.endpoint_id AND x.next_attempt_at <= :now)
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries c WHERE c.endpoint_id = d.endpoint_id AND c.claimed_until > :now)
  AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.disabled_at IS NULL)`;

const CLAIM = {
  // One statement under SQLite's single writer: no other process can claim between the read and the write.
  sqlite: `UPDATE webhook_deliveries SET claimed_until = :until, claim = :claim
    WHERE (endpoint_id, event_id) IN (SELECT d.endpoint_id, d.event_id FROM webhook_deliveries d WHERE ${DUE} ORDER BY d.event_id LIMIT :limit)
    RETURNING endpoint_id, event_id, attempts`,
  // Rows another process is claiming are skipped, not waited for; a row claimed and committed meanwhile
  // fails the claimed_until test when PostgreSQL re-checks it.
  postgres: `UPDATE webhook_deliveries w SET claimed_until = :until, claim = :claim
    FROM (SELECT d.endpoint_id, d.event_id FROM webhook_deliveries d WHERE ${DUE} ORDER BY d.event_id LIMIT :limit FOR UPDATE OF d SKIP LOCKED) c
    WHERE w.endpoint_id = c.endpoint_id AND w.event_id = c.event_id AND (w.claimed_until IS NULL OR w.claimed_until <= :now)
    RETURNING w.endpoint_id, w.event_id, w.attempts`,
};

/** Why a delivery was dropped unsent. */
export const NOT_GRANTED = 'not sent: the client was revoked or is no longer granted the booking\'s practice';

export function createWebhookData(sql: Executor, keyring: Keyring) {
  return {
    async createEndpoint(endpoint: { id: string; client_id: string; url: string; events: string; secret: string }, now: number): Promise<void> {
      const { secret, ...row } = endpoint;
      await sql.run(
        `INSERT INTO webhook_endpoints (id, client_id, url, events, secret_sealed, created_at)
         VALUES (:id, :client_id, :url, :events, :secret_sealed, :now)`,
        { ...row, secret_sealed: seal(keyring, secret, webhookSecretContext(row.id)), now },
      );
    },
    async endpoint(id: string): Promise<WebhookEndpointRow | undefined> {
      const row = await sql.get<WebhookEndpointRow>(`${ENDPOINTS} WHERE e.id = :id`, { id });
      return row && endpointRow(row);
    },
    async endpointsOf(clientId: string): Promise<WebhookEndpointRow[]> {
      const rows = await sql.all<WebhookEndpointRow>(`${ENDPOINTS} WHERE e.client_id = :clientId ORDER BY e.created_at, e.id`, { clientId });
      return rows.map(endpointRow);
    },
    /** Lets a disabled endpoint take events again: those it missed, and those given up with it, stay unsent. */
    async enableEndpoint(id: string): Promise<boolean> {
      return (await sql.run('UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE id = :id', { id })) === 1;
    },
    /** Deletes an endpoint and its deliveries (ON DELETE CASCADE); false when there was none. */
    async deleteEndpoint(id: string): Promise<boolean> {
      return (await sql.run('DELETE FROM webhook_endpoints WHERE id = :id', { id })) === 1;
    },

    /** When the next delivery falls due (ms), or null: an idle worker reads this rather than try a claim (a write). */
    async nextDue(): Promise<number | null> {
      const row = await sql.get<{ at: number | null }>('SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL');
      return num(row?.at);
    },

    /** Claims up to `limit` due deliveries for `claim` until `until`, and reads what sending them needs. */
    async claimDue(now: number, until: number, claim: string, limit: number): Promise<ClaimedDelivery[]> {
      const claimed = await sql.all<{ endpoint_id: string; event_id: number; attempts: number }>(CLAIM[sql.engine], { now, until, claim, limit });
      const deliveries: ClaimedDelivery[] = [];
      for (const { endpoint_id, event_id, attempts } of claimed) {
        // The grant is checked again now, not only at fan-out: a client revoked, or no longer granted the
        // booking's practice, since the event was queued hears nothing more of it.
        const row = await sql.get<{ url: string; secret_sealed: Buffer; type: string; booking: string; occurred_at: number; granted: number }>(
          `SELECT e.url, e.secret_sealed, v.type, v.booking, v.occurred_at,
             CASE WHEN c.revoked_at IS NULL AND (c.all_practices = 1 OR EXISTS (
               SELECT 1 FROM client_practices p WHERE p.client_id = c.id AND p.practice_id = v.practice_id)) THEN 1 ELSE 0 END AS granted
           FROM webhook_endpoints e JOIN clients c ON c.id = e.client_id, webhook_events v WHERE e.id = :endpoint_id AND v.id = :event_id`,
          { endpoint_id, event_id },
        );
        if (!row) continue; // deleted meanwhile: its deliveries went with it
        if (Number(row.granted) !== 1) {
          await sql.run(
            `UPDATE webhook_deliveries SET next_attempt_at = NULL, claimed_until = NULL, claim = NULL, last_error = :error
             WHERE endpoint_id = :endpoint_id AND event_id = :event_id`,
            { endpoint_id, event_id, error: NOT_GRANTED },
          );
          continue;
        }
        deliveries.push({
          endpoint_id,
          event_id: Number(event_id),
          attempts: Number(attempts),
          url: row.url,
          secret: open(keyring, row.secret_sealed, webhookSecretContext(endpoint_id)),
          type: row.type,
          booking: row.booking,
          occurred_at: Number(row.occurred_at),
        });
      }
      return deliveries;
    },

    /** Records an attempt of a delivery this claim holds (a claim that lapsed records nothing), and its endpoint's last result. */
    async finish(delivery: Pick<ClaimedDelivery, 'endpoint_id' | 'event_id'>, claim: string, outcome: AttemptOutcome): Promise<boolean> {
      const recorded = await sql.run(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = NULL, claim = NULL, next_attempt_at = :next,
           last_attempt_at = :at, last_status_code = :code, last_error = :error, delivered_at = :delivered_at
         WHERE endpoint_id = :endpoint_id AND event_id = :event_id AND claim = :claim`,
        {
          endpoint_id: delivery.endpoint_id,
          event_id: delivery.event_id,
          claim,
          next: outcome.nextAttemptAt,
          at: outcome.at,
          code: outcome.statusCode,
          error: outcome.error,
          delivered_at: outcome.error === null ? outcome.at : null,
        },
      );
      if (recorded === 0) return false;
      await sql.run(
        `INSERT INTO webhook_endpoint_status (endpoint_id, last_attempt_at, last_status_code, last_error) VALUES (:id, :at, :code, :error)
         ON CONFLICT (endpoint_id) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, last_status_code = excluded.last_status_code, last_error = excluded.last_error`,
        { id: delivery.endpoint_id, at: outcome.at, code: outcome.statusCode, error: outcome.error },
      );
      if (outcome.disable !== undefined) {
        await sql.run(
          'UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, :at), disabled_reason = COALESCE(disabled_reason, :reason) WHERE id = :id',
          { id: delivery.endpoint_id, at: outcome.at, reason: outcome.disable },
        );
        // Its other deliveries are given up with it.
        await sql.run('UPDATE webhook_deliveries SET next_attempt_at = NULL WHERE endpoint_id = :id AND next_attempt_at IS NOT NULL', { id: delivery.endpoint_id });
      }
      return true;
    },

    /** Gives back what this claim holds, untried (the process is stopping): another process takes it at once. */
    async release(claim: string): Promise<void> {
      await sql.run('UPDATE webhook_deliveries SET claimed_until = NULL, claim = NULL WHERE claim = :claim', { claim });
    },

    /** Forgets deliveries done before `before`, and events older than that no endpoint still waits for. */
    async prune(before: number): Promise<void> {
      // One never attempted (given up with its endpoint, or dropped unsent) counts from when it was queued.
      await sql.run('DELETE FROM webhook_deliveries WHERE next_attempt_at IS NULL AND COALESCE(last_attempt_at, created_at) < :before', { before });
      await sql.run(
        'DELETE FROM webhook_events WHERE occurred_at < :before AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)',
        { before },
      );
    },
  };
}
export type WebhookData = ReturnType<typeof createWebhookData>;

/** The webhook data outside any transaction (for reads), and a way to run writes in a write transaction of the store. */
export interface WebhookStore {
  read: WebhookData;
  write<T>(work: (data: WebhookData) => Promise<T>): Promise<T>;
}

/** The webhook data of a store: reads outside any transaction, writes each as a store write (its own savepoint of the turn's transaction on SQLite). */
export function webhookStore(store: Pick<Store, 'webhooks' | 'write'>): WebhookStore {
  return { read: store.webhooks, write: (work) => store.write((tx) => work(tx.webhooks)) };
}
