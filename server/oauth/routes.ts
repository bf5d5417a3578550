import Router from '@koa/router';
import type { Context } from 'koa';
import type { Store } from '../db/store.js';
import { createWindowCounter } from '../http/throttle.js';
import { readForm } from '../http/body.js';
import type { KeySet } from './keys.js';
import { createSecretVerifier } from './secrets.js';
import { SCOPES, TOKEN_LIFETIME, type Tokens } from './tokens.js';

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'too_many_requests';

/** An RFC 6749 §5.2 error answer. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const FAILURES_PER_MINUTE = 10;

/** Client credentials from the Basic header or the form body, as RFC 6749 §2.3.1 lets clients send them. */
function clientCredentials(ctx: Context, form: URLSearchParams): { id: string; secret: string } {
  const header = ctx.get('authorization');
  const inBody = form.has('client_id') || form.has('client_secret');
  if (header) {
    if (inBody) throw new OAuthError(400, 'invalid_request', 'send client credentials once: in the Authorization header or the body');
    const match = /^Basic ([A-Za-z0-9+/=._~-]+)$/i.exec(header.trim());
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new OAuthError(401, 'invalid_client', 'Authorization must be Basic base64(client_id:client_secret)', { 'WWW-Authenticate': 'Basic realm="thread"' });
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  if (!id || !secret) {
    throw new OAuthError(401, 'invalid_client', 'client authentication is required (HTTP Basic)', { 'WWW-Authenticate': 'Basic realm="thread"' });
  }
  return { id, secret };
}

export function oauthRoutes(options: { store: Store; keys: KeySet; tokens: Tokens; issuer: string; now: () => number }) {
  const { store, keys, tokens, issuer, now } = options;
  const router = new Router();
  const secrets = createSecretVerifier({ ttlMs: 10 * 60_000, now });
  const failures = createWindowCounter({ limit: FAILURES_PER_MINUTE, windowMs: 60_000, now });

  const metadata = {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: [...SCOPES],
    // RFC 8414 requires the field; with no authorization endpoint there is no response type to offer.
    response_types_supported: [],
  };
  const discovery = (ctx: Context) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = metadata;
  };
  router.get('/.well-known/openid-configuration', discovery);
  router.get('/.well-known/oauth-authorization-server', discovery);
  router.get('/.well-known/jwks.json', async (ctx) => {
    await keys.reload();
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = keys.jwks;
  });

  router.post('/oauth2/token', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    try {
      const form = await readForm(ctx);
      if (!form) throw new OAuthError(400, 'invalid_request', 'content-type must be application/x-www-form-urlencoded');
      for (const name of new Set(form.keys())) {
        if (form.getAll(name).length > 1) throw new OAuthError(400, 'invalid_request', `parameter "${name}" is repeated`);
      }
      const grantType = form.get('grant_type');
      if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
      const { id, secret } = clientCredentials(ctx, form);

      const throttleKeys = [`client:${id}`, `address:${ctx.ip}`];
      const wait = Math.max(...throttleKeys.map((key) => failures.retryAfter(key)));
      if (wait > 0) {
        throw new OAuthError(429, 'too_many_requests', `too many failed attempts; retry in ${wait} s`, { 'Retry-After': String(wait) });
      }
      const client = store.clients.get(id);
      if (!client || client.revoked || !secrets.remembers(secret, client.secret_hash)) {
        // Count the attempt as a failure before the slow secret check, so guesses sent all at once cannot
        // all pass the limit while none has failed yet; a success takes its count back.
        const attempts = throttleKeys.map((key) => ({ key, at: failures.hit(key) }));
        const valid = await secrets.verify(secret, client?.secret_hash);
        if (!client || !valid || client.revoked) {
          throw new OAuthError(401, 'invalid_client', 'client authentication failed', { 'WWW-Authenticate': 'Basic realm="thread"' });
        }
        for (const { key, at } of attempts) failures.forget(key, at);
      }
      if (grantType !== 'client_credentials') {
        throw new OAuthError(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
      }
      const requested = form.get('scope');
      let scopes = client.scopes;
      if (requested !== null) {
        scopes = [...new Set(requested.split(' ').filter(Boolean))];
        const extra = scopes.find((s) => !client.scopes.includes(s));
        if (scopes.length === 0 || extra) {
          throw new OAuthError(400, 'invalid_scope', extra ? `scope "${extra}" is not granted to this client` : 'scope is empty');
        }
      }
      ctx.body = {
        access_token: await tokens.issue(client.id, scopes),
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME,
        scope: scopes.join(' '),
      };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = { error: error.error, error_description: error.message };
    }
  });
  return router;
}
