import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import type { Static } from '@sinclair/typebox';
import type { Context } from 'koa';
import type { Store } from '../db/store.js';
import { BadRequest } from '../errors.js';
import { readForm } from '../http/body.js';
import type { Params } from '../http/params.js';
import { checker, paramsObject } from '../http/schema-check.js';
import { createClientThrottle } from './client-throttle.js';
import type { KeySet } from './keys.js';
import { TokenForm, type Discovery, type OAuthErrorBody, type OAuthErrorCode, type TokenResponse } from './schemas.js';
import { createSecretVerifier } from './secrets.js';
import { SCOPES, TOKEN_LIFETIME, type Tokens } from './tokens.js';

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

/** The form's fields, by the schema /openapi.json publishes; a problem is RFC 6749's invalid_request. */
const checkForm = checker(TokenForm, { what: 'form body', missing: { '/grant_type': 'grant_type is required' }, problems: { '/grant_type': 'grant_type is required' } });
function tokenForm(form: Params) {
  try {
    return checkForm(paramsObject(form, TokenForm));
  } catch (error) {
    throw error instanceof BadRequest ? new OAuthError(400, 'invalid_request', error.message) : error;
  }
}

/** Client credentials from the Basic header or the form body, as RFC 6749 §2.3.1 lets clients send them. */
function clientCredentials(ctx: Context, form: Params): { id: string; secret: string } {
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
  const throttle = createClientThrottle(store, now);
  const tooMany = (seconds: number) =>
    new OAuthError(429, 'too_many_requests', `too many failed attempts; retry in ${seconds} s`, { 'Retry-After': String(seconds) });
  const failed = () => new OAuthError(401, 'invalid_client', 'client authentication failed', { 'WWW-Authenticate': 'Basic realm="thread"' });

  const metadata: Static<typeof Discovery> = {
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
      // A body that is not UTF-8 or passes a bound of params.ts is a malformed request, in RFC 6749's words.
      const form = await readForm(ctx).catch((error: unknown) => {
        throw error instanceof BadRequest ? new OAuthError(400, 'invalid_request', error.message) : error;
      });
      if (!form) throw new OAuthError(400, 'invalid_request', 'content-type must be application/x-www-form-urlencoded');
      if (form.repeated !== undefined) throw new OAuthError(400, 'invalid_request', `parameter "${form.repeated.slice(0, 64)}" is repeated`);
      const { grant_type: grantType, scope: requested } = tokenForm(form);
      const { id, secret } = clientCredentials(ctx, form);

      // A lockout is checked before anything else, the remembered secret included: otherwise a locked-out
      // guesser would still learn which guess is right.
      const wait = await throttle.lockedFor(id, ctx.ip);
      if (wait > 0) throw tooMany(wait);
      const client = await store.clients.get(id);
      if (!client || client.revoked || !secrets.remembers(secret, client.secret_hash)) {
        const attempt = await throttle.begin(id, ctx.ip);
        if ('retryAfter' in attempt) throw tooMany(attempt.retryAfter);
        const valid = await secrets.verify(secret, client?.secret_hash);
        if (!client || !valid || client.revoked) {
          // The same for an unknown client id as for a known one: the delay tells nothing either.
          if (attempt.failureDelayMs > 0) await sleep(attempt.failureDelayMs);
          throw failed();
        }
        await throttle.succeeded(attempt);
      }
      if (grantType !== 'client_credentials') {
        throw new OAuthError(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
      }
      let scopes = client.scopes;
      if (requested !== undefined) {
        scopes = [...new Set(requested.split(' ').filter(Boolean))];
        const extra = scopes.find((s) => !client.scopes.includes(s));
        if (scopes.length === 0 || extra) {
          throw new OAuthError(400, 'invalid_scope', extra ? `scope "${extra}" is not granted to this client` : 'scope is empty');
        }
      }
      const answer: Static<typeof TokenResponse> = {
        access_token: await tokens.issue(client.id, scopes),
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME,
        scope: scopes.join(' '),
      };
      ctx.body = answer;
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      ctx.status = error.status;
      ctx.set(error.headers);
      const body: Static<typeof OAuthErrorBody> = { error: error.error, error_description: error.message };
      ctx.body = body;
    }
  });
  return router;
}
