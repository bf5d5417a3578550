// Webhook endpoints and the events sent to them, as JSON Schemas: what /scheduling/webhooks checks
// and answers, and what /openapi.json publishes (its paths and its `webhooks` section).
import { Type, type Static } from '@sinclair/typebox';
import { Id, StringEnum, UtcInstant, sameAs } from '../http/schemas.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events.js';
import type { WebhookEndpoint as ShownEndpoint } from '../webhooks/endpoints.js';
import { Booking } from './schemas.js';

export const WebhookEventType = StringEnum(WEBHOOK_EVENT_TYPES);

export const WebhookEndpointInput = Type.Object(
  {
    url: Type.String({ maxLength: 2048, description: 'https, to a public address (checked again at each delivery, on the addresses the name resolves to)' }),
    events: Type.Optional(Type.Array(WebhookEventType, { minItems: 1, uniqueItems: true, description: 'Default: every event' })),
  },
  { additionalProperties: false, title: 'WebhookEndpointInput' },
);

const endpointFields = {
  id: Id,
  client_id: Id,
  url: Type.String(),
  events: Type.Array(WebhookEventType),
  created_at: UtcInstant,
  disabled_at: Type.Union([UtcInstant, Type.Null()], { description: 'Set when deliveries failed for over 24 hours; no more are sent' }),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  last_delivery: Type.Union(
    [
      Type.Object(
        {
          at: UtcInstant,
          status_code: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status; null when it gave none" }),
          error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed; null when it succeeded (2xx)' }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ],
    { description: 'The last attempt to deliver to it' },
  ),
};

export const WebhookEndpoint = Type.Object(endpointFields, { additionalProperties: false, title: 'WebhookEndpoint' });

export const NewWebhookEndpoint = Type.Object(
  { ...endpointFields, secret: Type.String({ pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$', description: 'The signing secret: shown this once only' }) },
  { additionalProperties: false, title: 'NewWebhookEndpoint' },
);

export const DeletedWebhookEndpoint = Type.Object({ id: Id, deleted: Type.Literal(true) }, { additionalProperties: false, title: 'DeletedWebhookEndpoint' });

/** The body of one event type, as POSTed to a receiver. */
export const webhookEvent = (type: (typeof WEBHOOK_EVENT_TYPES)[number]) =>
  Type.Object(
    {
      type: Type.Literal(type),
      timestamp: Type.String({ format: 'date-time', description: 'When the change was made (UTC)' }),
      data: Booking,
    },
    { additionalProperties: false },
  );

sameAs<Static<typeof WebhookEndpoint>, ShownEndpoint>(true);
