// /scheduling/webhooks: a client manages its own webhook endpoints (scheduling:write), as the CLI's
// `thread webhooks ...` does for any client.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { BadRequest } from '../errors.js';
import { ID } from '../http/assert.js';
import { readJson } from '../http/body.js';
import { checker } from '../http/schema-check.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events.js';
import type { WebhookEndpoints } from '../webhooks/endpoints.js';
import { requireScope, type ApiState } from './auth.js';
import { WebhookEndpointInput } from './webhook-schemas.js';

const checkInput = checker(WebhookEndpointInput, {
  what: 'body',
  problems: {
    '/url': 'url must be an https URL of at most 2048 characters',
    '/events': `events must be a list of distinct event types from ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  },
});

const clientOf = (ctx: Context) => (ctx.state as ApiState).actor.clientId;

function endpointId(ctx: Context): string {
  const id = (ctx.params as Record<string, string>).id;
  if (!ID.test(id)) throw new BadRequest('id in the path is not a valid id');
  return id;
}

export function webhookRoutes(router: Router, endpoints: WebhookEndpoints): void {
  const write = requireScope('scheduling:write');
  router.get('/webhooks', write, async (ctx) => {
    ctx.body = await endpoints.list(clientOf(ctx));
  });
  router.post('/webhooks', write, async (ctx) => {
    const input = checkInput(await readJson(ctx));
    const created = await endpoints.create(clientOf(ctx), input);
    ctx.status = 201;
    ctx.body = created;
  });
  router.get('/webhooks/:id', write, async (ctx) => {
    ctx.body = await endpoints.get(clientOf(ctx), endpointId(ctx));
  });
  router.post('/webhooks/:id/enable', write, async (ctx) => {
    ctx.body = await endpoints.enable(clientOf(ctx), endpointId(ctx));
  });
  router.delete('/webhooks/:id', write, async (ctx) => {
    ctx.body = await endpoints.remove(clientOf(ctx), endpointId(ctx));
  });
}
