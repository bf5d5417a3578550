import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import Koa from 'koa';
import { apiRoutes } from './api/routes.js';
import { createBff } from './bff/routes.js';
import { allowReading } from './bff/sites.js';
import type { Config, UpstreamConfig } from './config.js';
import { consoleRoutes } from './console/routes.js';
import { openStore } from './db/open-store.js';
import type { Store } from './db/store-types.js';
import { createBookingService } from './domain/bookings.js';
import { createSignUpRetention } from './domain/retention.js';
import { answerWithError, refuseUnrouted } from './http/errors.js';
import { createKeptAnswers } from './http/kept-answers.js';
import { createMalformedThrottle } from './http/malformed.js';
import { loadAsset, sendAsset } from './http/static.js';
import { widgetRoutes } from './http/widget-assets.js';
import { loadKeys } from './oauth/keys.js';
import { oauthRoutes } from './oauth/routes.js';
import { openApiDocument } from './openapi/document.js';
import { createTokens } from './oauth/tokens.js';
import { provisionLocalBffClient } from './provision.js';
import { webhookStore } from './db/webhooks.js';
import { createWebhookEndpoints } from './webhooks/endpoints.js';
import { systemLookup } from './webhooks/url-check.js';
import { startWebhookWorker } from './webhooks/worker.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Headers for every answer; the pages this server renders also get a strict CSP. */
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=31536000',
};
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface App {
  app: Koa;
  /** The request listener to serve with: kept answers to repeated reads, then Koa. */
  handler: RequestListener;
  store: Store;
  config: Config;
  /** From now on /readyz says 503, so a load balancer sends no new work. */
  drain(): void;
  /** Stops timers, then closes the database; settles once it is closed. */
  close(): Promise<void>;
}

/** Builds the whole server (OAuth, booking API, BFF, widget and demo page) without listening. */
export async function createApp(config: Config): Promise<App> {
  const store = await openStore(config, { background: true });
  const keys = await loadKeys(store, config.now());
  const tokens = createTokens(keys, { issuer: config.publicUrl, audience: `${config.publicUrl}/scheduling`, now: config.now });
  const bookings = createBookingService(store, { now: config.now, holdMinutes: config.holdMinutes });
  await bookings.releaseExpiredHolds();
  const retention = createSignUpRetention(store, { now: config.now, days: config.patientRetentionDays });
  await retention.sweep();
  const upstream: UpstreamConfig = config.upstream ?? (await provisionLocalBffClient(store, config));
  const webhookData = webhookStore(store);
  const webhookOptions = { allowLoopback: config.webhooksAllowLoopback ?? false, lookup: config.webhookLookup ?? systemLookup, now: config.now };
  const webhooks = createWebhookEndpoints(webhookData, webhookOptions);
  const webhookWorker = startWebhookWorker({ ...webhookOptions, data: webhookData, log: config.log });

  // Behind N reverse proxies the client is the N-th nearest X-Forwarded-For hop; Koa takes the last N
  // hops and the first of those, so a client cannot choose its own address by sending the header.
  const app = config.trustProxy > 0 ? new Koa({ proxy: true, maxIpsCount: config.trustProxy }) : new Koa({ proxy: false });
  app.on('error', (error: Error, ctx?: Koa.Context) => {
    config.log({ level: 'error', req_id: ctx?.state.requestId, msg: error.message, stack: error.stack?.split('\n').slice(0, 6).join(' | ') });
  });

  /** The line every request leaves in the log. */
  const logRequest = (requestId: string, method: string | undefined, path: string, status: number, started: number) =>
    config.log({ level: 'info', req_id: requestId, method, path: path.slice(0, 200), status, ms: Math.round((performance.now() - started) * 10) / 10 });
  const answers = createKeptAnswers({
    // Given again before Koa, with no look at the database: on PostgreSQL, seeing other processes' commits takes one (store.catchUp).
    enabled: config.cache && store.sql.engine !== 'postgres',
    refresh: store.refresh,
    generation: store.generation,
    now: config.now,
    newRequestId: randomUUID,
    logServed: (req: IncomingMessage, status, requestId, started) => logRequest(requestId, req.method, req.url!.split('?')[0], status, started),
  });

  const malformed = createMalformedThrottle(store, { perMinute: config.malformedPerMinute, now: config.now });
  let ready = true;
  app.use(async (ctx, next) => {
    const started = performance.now();
    let generation = -1;
    ctx.state.requestId = randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    ctx.set(SECURITY_HEADERS);
    try {
      // Every error becomes the JSON error body here, in the same middleware, so a request passes one
      // async layer of ours on its way in and out, not two.
      try {
        generation = await store.catchUp();
        await malformed.refuse(ctx, generation);
        await next();
        refuseUnrouted(ctx);
      } catch (caught) {
        answerWithError(ctx, caught);
        // A BFF request refused before the BFF saw it (too many malformed ones): the widget still reads why.
        // Never a preflight: one from an unregistered origin is refused without any CORS header.
        if (ctx.path.startsWith('/bff/') && ctx.method !== 'OPTIONS' && !ctx.response.get('Access-Control-Allow-Origin')) allowReading(ctx);
      }
      // Only a malformed answer waits, for its count to commit; a good one goes on at once.
      const counting = malformed.count(ctx);
      if (counting) {
        await counting.catch((error: Error) => config.log({ level: 'error', msg: `malformed request count failed: ${error.message}` }));
      }
      answers.keep(ctx, generation);
    } finally {
      logRequest(ctx.state.requestId, ctx.method, ctx.path, ctx.status, started);
    }
  });

  const pages = new Router();
  const demoPage = loadAsset(path.join(root, 'widget/demo/index.html'), 'text/html; charset=utf-8');
  const demoCss = loadAsset(path.join(root, 'widget/demo/demo.css'), 'text/css; charset=utf-8');
  const managePage = loadAsset(path.join(root, 'widget/manage/index.html'), 'text/html; charset=utf-8');
  const manageCss = loadAsset(path.join(root, 'widget/manage/manage.css'), 'text/css; charset=utf-8');
  pages.use(widgetRoutes(path.join(root, 'dist')).routes());
  pages.get('/', (ctx) => {
    if (!demoPage || !config.demo) return;
    ctx.set('Content-Security-Policy', PAGE_CSP);
    sendAsset(ctx, demoPage, 'no-cache');
  });
  // Where a patient's manage link leads (PUBLIC_URL/manage#<secret>), demo or not.
  pages.get('/manage', (ctx) => {
    if (!managePage) return;
    ctx.set('Content-Security-Policy', PAGE_CSP);
    sendAsset(ctx, managePage, 'no-cache');
  });
  pages.get('/manage.css', (ctx) => {
    if (manageCss) sendAsset(ctx, manageCss, 'public, max-age=300');
  });
  pages.get('/demo.css', (ctx) => {
    if (demoCss) sendAsset(ctx, demoCss, 'public, max-age=300');
  });
  // Built once: the document of every route, from the schemas the routes check their input with.
  const openapi = JSON.stringify(openApiDocument(config.publicUrl));
  pages.get('/openapi.json', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    // Public, like the discovery document: any site's API tooling may read it.
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.type = 'application/json';
    ctx.body = openapi;
  });
  pages.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  pages.get('/readyz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'stopping' };
  });

  const bff = await createBff({ store, upstream, config, answers });
  // Each router is asked only about the paths it serves: a request runs one router's matching, not four.
  const routers: Array<[serves: (path: string) => boolean, router: Router]> = [
    [(path) => path.startsWith('/scheduling/'), apiRoutes({ store, tokens, bookings, answers, publicUrl: config.publicUrl, now: config.now, webhooks })],
    [(path) => path.startsWith('/bff/'), bff.router],
    [(path) => path.startsWith('/oauth2/') || path.startsWith('/.well-known/'), oauthRoutes({ store, keys, tokens, issuer: config.publicUrl, now: config.now })],
    [
      (path) => path === '/console' || path.startsWith('/console/'),
      consoleRoutes({ store, bookings, publicUrl: config.publicUrl, now: config.now, answers, bffRoutes: bff.router.routes() as Koa.Middleware, root, log: config.log }),
    ],
    [() => true, pages],
  ];
  for (const [serves, router] of routers) {
    const routes = router.routes() as Koa.Middleware;
    const allowedMethods = router.allowedMethods() as Koa.Middleware;
    app.use((ctx, next) => (serves(ctx.path) ? routes(ctx, () => allowedMethods(ctx, next)) : next()));
  }

  const sweeper = setInterval(() => {
    bookings.releaseExpiredHolds().catch((error: Error) => config.log({ level: 'error', msg: `hold expiry sweep failed: ${error.message}` }));
    retention.sweepIfDue().catch((error: Error) => {
      // The database busy past its timeout, say: the next sweep (in RETENTION_SWEEP_EVERY) tries again.
      config.log({ level: 'error', msg: `patient retention sweep failed: ${error.message}` });
    });
  }, 1000);
  sweeper.unref();
  const koa = app.callback();
  return {
    app,
    handler: (req, res) => {
      if (!answers.serve(req, res)) void koa(req, res);
    },
    store,
    config,
    drain() {
      ready = false;
    },
    close() {
      ready = false;
      clearInterval(sweeper);
      bff.close();
      // Attempts in flight are given back before the database closes, for the next process to send.
      return webhookWorker.stop().then(() => store.close());
    },
  };
}
