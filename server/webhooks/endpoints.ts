// A client's webhook endpoints: made, listed and deleted by the CLI (`thread webhooks ...`) and by
// the client itself (/scheduling/webhooks), with one set of rules for both.
import type { WebhookEndpointRow, WebhookStore } from '../db/webhooks.js';
import { newId } from '../domain/bookings.js';
import { BadRequest, Conflict, NotFound } from '../errors.js';
import { newWebhookSecret, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './events.js';
import { checkWebhookUrl, RefusedUrl, resolveWebhookUrl, type WebhookLookup } from './url-check.js';

/** Endpoints one client may have: enough for a test and a live system or two, not a fan-out service. */
export const MAX_ENDPOINTS_PER_CLIENT = 10;

/** An endpoint as the CLI and the API show it (never its secret, which is shown once, when made). */
export interface WebhookEndpoint {
  id: string;
  client_id: string;
  url: string;
  events: WebhookEventType[];
  created_at: string;
  disabled_at: string | null;
  disabled_reason: string | null;
  last_delivery: { at: string; status_code: number | null; error: string | null } | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function showEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    client_id: row.client_id,
    url: row.url,
    events: row.events.split(' ') as WebhookEventType[],
    created_at: iso(row.created_at)!,
    disabled_at: iso(row.disabled_at),
    disabled_reason: row.disabled_reason,
    last_delivery: row.last_attempt_at === null ? null : { at: iso(row.last_attempt_at)!, status_code: row.last_status_code, error: row.last_error },
  };
}

/** "booking.created booking.held" or a list: every type known, none twice; none given is every type. */
export function parseEvents(given: string | readonly string[] | undefined): WebhookEventType[] {
  if (given === undefined) return [...WEBHOOK_EVENT_TYPES];
  const names = typeof given === 'string' ? given.split(/[\s,]+/).filter(Boolean) : [...given];
  if (names.length === 0) throw new BadRequest(`events names no event; events are ${WEBHOOK_EVENT_TYPES.join(' ')}`);
  const unknown = names.find((name) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(name));
  if (unknown !== undefined) throw new BadRequest(`events: unknown event "${unknown.slice(0, 64)}"; events are ${WEBHOOK_EVENT_TYPES.join(' ')}`);
  return WEBHOOK_EVENT_TYPES.filter((type) => names.includes(type));
}

export function createWebhookEndpoints(data: WebhookStore, options: { allowLoopback: boolean; lookup: WebhookLookup; now: () => number }) {
  return {
    /** Makes an endpoint for `clientId`; the answer carries its secret, the only time it is shown. */
    async create(clientId: string, input: { url: string; events?: string | readonly string[] }): Promise<WebhookEndpoint & { secret: string }> {
      const events = parseEvents(input.events);
      let url: URL;
      try {
        url = checkWebhookUrl(input.url, options.allowLoopback);
        // A name that does not resolve yet is taken (its DNS may come later); one that resolves to an address refused is not.
        await resolveWebhookUrl(url, options.allowLoopback, options.lookup).catch((error: unknown) => {
          if (!(error instanceof RefusedUrl) || / does not resolve/.test(error.message)) return;
          throw error;
        });
      } catch (error) {
        if (error instanceof RefusedUrl) throw new BadRequest(error.message.startsWith('url') ? error.message : `url: ${error.message}`);
        throw error;
      }
      const id = `we_${newId()}`;
      const secret = newWebhookSecret();
      // Counted and made in one write transaction: two requests at once cannot both pass the limit.
      const row = await data.write(async (webhooks) => {
        if ((await webhooks.endpointsOf(clientId)).length >= MAX_ENDPOINTS_PER_CLIENT) {
          throw new Conflict(`a client may have at most ${MAX_ENDPOINTS_PER_CLIENT} webhook endpoints; delete one first`);
        }
        await webhooks.createEndpoint({ id, client_id: clientId, url: url.href, events: events.join(' '), secret }, options.now());
        return (await webhooks.endpoint(id))!;
      });
      return { ...showEndpoint(row), secret };
    },
    async list(clientId: string): Promise<WebhookEndpoint[]> {
      return (await data.read.endpointsOf(clientId)).map(showEndpoint);
    },
    /** One endpoint of `clientId` (any client's when undefined: the CLI), or 404. */
    async get(clientId: string | undefined, id: string): Promise<WebhookEndpoint> {
      const row = await data.read.endpoint(id);
      if (!row || (clientId !== undefined && row.client_id !== clientId)) throw new NotFound(`webhook endpoint "${id.slice(0, 64)}" not found`);
      return showEndpoint(row);
    },
    /**
     * Lets a disabled endpoint of `clientId` (any client's when undefined) take events again, from the next
     * change on: what it missed while disabled is not sent (a Stripe endpoint re-enabled works alike).
     */
    async enable(clientId: string | undefined, id: string): Promise<WebhookEndpoint> {
      await this.get(clientId, id);
      const row = await data.write(async (webhooks) => ((await webhooks.enableEndpoint(id)) ? webhooks.endpoint(id) : undefined));
      if (!row) throw new NotFound(`webhook endpoint "${id.slice(0, 64)}" not found`);
      return showEndpoint(row);
    },
    /** Deletes an endpoint of `clientId` (any client's when undefined) with its pending deliveries, or 404. */
    async remove(clientId: string | undefined, id: string): Promise<{ id: string; deleted: true }> {
      await this.get(clientId, id);
      if (!(await data.write((webhooks) => webhooks.deleteEndpoint(id)))) throw new NotFound(`webhook endpoint "${id.slice(0, 64)}" not found`);
      return { id, deleted: true };
    },
  };
}
export type WebhookEndpoints = ReturnType<typeof createWebhookEndpoints>;
