// The BFF's only way to the booking API: OAuth client credentials through openid-client,
// then plain HTTP calls to upstream.apiUrl. Any Thread-compatible API can sit behind it.
import * as oidc from 'openid-client';
import type { UpstreamConfig } from '../config.js';
import { ConfigError } from '../config.js';
import { BadGateway, withReason } from '../errors.js';
import { TOKEN_DEFAULT_LIFETIME_S, TOKEN_RENEW_BEFORE_MS, UPSTREAM_TIMEOUT_MS } from './limits.js';

type Log = (line: Record<string, unknown>) => void;

/** What the BFF asks for: reading the directory and bookings, and moving the patient flow. */
const SCOPES = 'scheduling:read scheduling:book';
/**
 * Asked for apart, and only when a patient moves an appointment (its sign-up goes with it): a BFF
 * client without this scope still serves every other request.
 */
const PATIENT_SCOPES = 'scheduling:patients';
/** A list is followed through at most this many pages (500 bookings each) so a broken Link cannot loop. */
const MAX_PAGES = 40;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface UpstreamAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** The one answer a patient gets when the booking API cannot be reached or misbehaves. */
export function upstreamUnavailable(): BadGateway {
  return withReason(new BadGateway('The scheduling service is not available right now. Please try again in a minute.'), 'upstream_unavailable');
}

/**
 * True when `raw` may be spoken to over plain http: only this machine. Anything else must be
 * https, because the client secret and bearer tokens travel on these connections.
 */
function plainHttpToLoopback(raw: string, variable: string): boolean {
  const url = new URL(raw);
  if (url.protocol === 'https:') return false;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return true;
  throw new ConfigError(`${variable} must be an https URL (plain http only for localhost, 127.0.0.1 or [::1]); got ${url.origin}`);
}

/** Access tokens from the upstream issuer, cached until shortly before they expire. */
function createTokenSource(upstream: UpstreamConfig, options: UpstreamOptions, scope: string) {
  const { now, log } = options;
  const DANGEROUSLY_ALLOW_PLAIN_HTTP_TO_LOOPBACK = plainHttpToLoopback(upstream.issuer, options.variables.issuer);
  let configuration: Promise<oidc.Configuration> | undefined;
  let current: { token: string; renewAt: number } | undefined;
  // Every request that finds no fresh token waits on this one refresh instead of starting its own.
  let refreshing: Promise<string> | undefined;

  function discover(): Promise<oidc.Configuration> {
    configuration ??= oidc
      .discovery(new URL(upstream.issuer), upstream.clientId, undefined, oidc.ClientSecretBasic(upstream.clientSecret), {
        execute: DANGEROUSLY_ALLOW_PLAIN_HTTP_TO_LOOPBACK ? [oidc.allowInsecureRequests] : [],
        timeout: UPSTREAM_TIMEOUT_MS / 1000,
      })
      .catch((error: unknown) => {
        configuration = undefined; // try discovery again next time
        throw error;
      });
    return configuration;
  }

  async function refresh(): Promise<string> {
    try {
      const response = await oidc.clientCredentialsGrant(await discover(), { scope });
      const lifetimeMs = (response.expiresIn() ?? TOKEN_DEFAULT_LIFETIME_S) * 1000;
      const renewAt = now() + Math.max(lifetimeMs - TOKEN_RENEW_BEFORE_MS, lifetimeMs / 2);
      current = { token: response.access_token, renewAt };
      return response.access_token;
    } catch (caught) {
      // Only the error's kind and the OAuth error code: never its message, which may quote a response.
      const error = caught as Error & { code?: string; error?: string; status?: number };
      log({ level: 'error', msg: 'bff: no access token from the upstream issuer', error: error.name, code: error.code, oauth_error: error.error, upstream_status: error.status });
      throw upstreamUnavailable();
    }
  }

  return {
    get(): Promise<string> {
      if (current && now() < current.renewAt) return Promise.resolve(current.token);
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    /** The API refused `token`: forget it, unless a newer one has replaced it already. */
    reject(token: string): void {
      if (current?.token === token) current = undefined;
    },
  };
}

export interface UpstreamOptions {
  now: () => number;
  log: Log;
  /** The settings the URLs came from, for the start-up error that refuses one. */
  variables: { issuer: string; apiUrl: string };
}

/** The booking API over HTTP with the BFF's client credentials. */
export function createUpstream(upstream: UpstreamConfig, options: UpstreamOptions) {
  const { log } = options;
  plainHttpToLoopback(upstream.apiUrl, options.variables.apiUrl);
  const tokens = createTokenSource(upstream, options, SCOPES);
  const patientTokens = createTokenSource(upstream, options, PATIENT_SCOPES);
  const base = upstream.apiUrl.replace(/\/+$/, '');

  async function send(method: string, path: string, token: string, body?: unknown, noStore = false): Promise<Response> {
    try {
      // Node's fetch keeps connections to the API alive between calls.
      return await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(noStore ? { 'cache-control': 'no-store' } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (caught) {
      const error = caught as Error & { cause?: { code?: string } };
      log({ level: 'error', msg: 'bff: booking API unreachable', method, route: routeOf(path), error: error.name, code: error.cause?.code });
      throw upstreamUnavailable();
    }
  }

  /**
   * One call. A 401 is retried once with a fresh token (the cached one may have been revoked
   * or the issuer's keys rotated); 5xx, 429, a second 401 and unreadable bodies become 502.
   * Other 4xx answers go back to the caller, who knows what they mean.
   */
  async function call(method: 'GET' | 'PUT', path: string, body?: unknown, options: { source?: typeof tokens; noStore?: boolean } = {}): Promise<UpstreamAnswer> {
    const source = options.source ?? tokens;
    const noStore = options.noStore ?? false;
    let token = await source.get();
    let response = await send(method, path, token, body, noStore);
    if (response.status === 401) {
      await response.body?.cancel();
      log({ level: 'warn', msg: 'bff: booking API refused the access token; retrying once with a new one', route: routeOf(path) });
      source.reject(token);
      token = await source.get();
      response = await send(method, path, token, body, noStore);
    }
    if (response.status === 401 || response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      log({ level: 'error', msg: 'bff: booking API failed', method, route: routeOf(path), upstream_status: response.status });
      throw upstreamUnavailable();
    }
    let parsed: unknown;
    try {
      const text = await response.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      log({ level: 'error', msg: 'bff: booking API answered something other than JSON', method, route: routeOf(path), upstream_status: response.status });
      throw upstreamUnavailable();
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  return {
    get: (path: string) => call('GET', path),
    put: (path: string, body: unknown) => call('PUT', path, body),
    /** The sign-up of a booking (GET .../patient), with a token of scheduling:patients alone; the API audits the read. */
    patientOf: (path: string) => call('GET', `${path}/patient`, undefined, { source: patientTokens }),

    /** Every item of a list, following its pages. */
    list: <T>(path: string, query: URLSearchParams): Promise<T[]> => list<T>(path, query, false) as Promise<T[]>,

    /**
     * As `list`, but undefined when the API answers the first page 400: for a query that an API keeping only
     * to the contract may not know (the BFF's `doctor_id`), so the caller can ask the contract's way instead.
     */
    listIfUnderstood: <T>(path: string, query: URLSearchParams): Promise<T[] | undefined> => list<T>(path, query, true),

    /** For an answer the caller did not expect: logged by status only, and a 502 for the patient. */
    unexpected(answer: UpstreamAnswer, method: string, path: string): never {
      return unexpected(answer, method, path);
    },
  };

  /**
   * Every item of a list, following its `Link: rel="next"` pages. Only the cursor is taken
   * from the link, so the bearer token never goes anywhere but upstream.apiUrl.
   */
  async function list<T>(path: string, query: URLSearchParams, mayRefuse: boolean): Promise<T[] | undefined> {
    const items: T[] = [];
    const params = new URLSearchParams(query);
    for (let page = 0; page < MAX_PAGES; page += 1) {
      // The BFF's windows move with the clock and are never asked twice: nothing for the API to keep.
      const answer = await call('GET', `${path}?${params.toString()}`, undefined, { noStore: true });
      if (mayRefuse && page === 0 && answer.status === 400) return undefined;
      if (answer.status !== 200 || !Array.isArray(answer.body)) return unexpected(answer, 'GET', path);
      items.push(...(answer.body as T[]));
      const cursor = nextCursor(answer.headers.get('link'));
      if (!cursor) return items;
      params.set('cursor', cursor);
    }
    log({ level: 'error', msg: `bff: a list had more than ${MAX_PAGES} pages`, route: routeOf(path) });
    throw upstreamUnavailable();
  }

  function unexpected(answer: UpstreamAnswer, method: string, path: string): never {
    const status = (answer.body as { status?: unknown } | undefined)?.status;
    log({ level: 'error', msg: 'bff: unexpected answer from the booking API', method, route: routeOf(path), upstream_status: answer.status, upstream_code: typeof status === 'string' ? status : undefined });
    throw upstreamUnavailable();
  }
}
export type Upstream = ReturnType<typeof createUpstream>;

/** The cursor of a `Link: <...>; rel="next"` header, if there is one. */
function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (!match) continue;
    try {
      return new URL(match[1], 'http://link.invalid').searchParams.get('cursor') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A path for logs: ids and query left out, so no log line can carry more than the route's shape. */
function routeOf(path: string): string {
  return path.split('?')[0].replace(/\/(bookings|locations|practices)\/[^/]+/g, '/$1/:id');
}
