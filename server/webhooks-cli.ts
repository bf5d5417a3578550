// `thread webhooks ...` (CONTRACT section 7): an API client's webhook endpoints. Each prints one JSON
// object, as every CLI command does; the secret only when an endpoint is made.
import type { Config } from './config.js';
import type { Store } from './db/store.js';
import { webhookStore } from './db/webhooks.js';
import { HttpError } from './errors.js';
import { createWebhookEndpoints } from './webhooks/endpoints.js';
import { systemLookup } from './webhooks/url-check.js';

type Options = Record<string, string | undefined>;
type Command = (store: Store, options: Options) => Promise<object>;

export function webhookCommands(UsageError: new (message: string) => Error, config: () => Config): Record<string, Command> {
  const required = (options: Options, name: string) => {
    const value = options[name]?.trim();
    if (!value) throw new UsageError(`--${name} is required`);
    return value;
  };
  const endpointsOf = (store: Store) =>
    createWebhookEndpoints(webhookStore(store), { allowLoopback: config().webhooksAllowLoopback ?? false, lookup: systemLookup, now: Date.now });
  /** The service's refusals (a bad URL, an unknown id) as the CLI's one line. */
  const plainly = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HttpError && error.expose) throw new UsageError(error.message);
      throw error;
    }
  };
  const clientOf = async (store: Store, options: Options) => {
    const id = required(options, 'client');
    const client = await store.clients.get(id);
    if (!client) throw new UsageError(`no client "${id.slice(0, 64)}"`);
    if (client.revoked) throw new UsageError(`client "${id.slice(0, 64)}" is revoked`);
    return id;
  };

  return {
    async 'webhooks create'(store, options) {
      const clientId = await clientOf(store, options);
      const url = required(options, 'url');
      return plainly(() => endpointsOf(store).create(clientId, { url, events: options.events }));
    },
    async 'webhooks list'(store, options) {
      const id = required(options, 'client');
      if (!(await store.clients.get(id))) throw new UsageError(`no client "${id.slice(0, 64)}"`);
      return { webhooks: await endpointsOf(store).list(id) };
    },
    async 'webhooks enable'(store, options) {
      const id = required(options, 'id');
      return plainly(() => endpointsOf(store).enable(undefined, id));
    },
    async 'webhooks delete'(store, options) {
      const id = required(options, 'id');
      return plainly(() => endpointsOf(store).remove(undefined, id));
    },
  };
}
