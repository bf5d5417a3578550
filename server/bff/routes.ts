import Router from '@koa/router';
import type { Config, UpstreamConfig } from '../config.js';
import type { Store } from '../db/store.js';

export function bffRoutes(_options: { store: Store; upstream: UpstreamConfig; config: Config }) {
  return new Router({ prefix: '/bff/v1' });
}
