import type { Context, Next } from 'koa';
import type { Store } from '../db/store-types.js';
import type { Actor } from '../domain/bookings.js';
import { Forbidden, Unauthorized } from '../errors.js';
import type { AccessClaims, Tokens } from '../oauth/tokens.js';

export interface ApiState {
  actor: Actor;
  /** When the request's access token expires (ms since the epoch). */
  tokenExpiresAt: number;
}

function unauthorized(message: string): Unauthorized {
  const error = new Unauthorized(message);
  error.headers['WWW-Authenticate'] = 'Bearer realm="thread"';
  return error;
}

/**
 * Checks the access token (`Authorization: <token>` or `Bearer <token>`) and who its client is now.
 * A token seen before is admitted at once; only a new one waits for its signature check.
 */
export function authenticate(tokens: Tokens, store: Store) {
  const admit = async (ctx: Context, claims: AccessClaims): Promise<void> => {
    const client = await store.clients.get(claims.clientId);
    if (!client || client.revoked) throw unauthorized('access token belongs to a revoked client');
    // Scopes taken from the client since the token was issued no longer count.
    const scopes = new Set([...claims.scopes].filter((s) => client.scopes.includes(s)));
    (ctx.state as ApiState).actor = { clientId: client.id, scopes, practices: client.practices };
    (ctx.state as ApiState).tokenExpiresAt = claims.expiresAt;
  };
  return (ctx: Context, next: Next) => {
    const header = ctx.get('authorization').trim();
    if (!header) throw unauthorized('Authorization header with an access token is required');
    const token = header.replace(/^Bearer\s+/i, '');
    if (token.length >= 4096) throw unauthorized('access token is invalid or expired');
    const known = tokens.remembered(token);
    if (known) return admit(ctx, known).then(next);
    return tokens.verify(token).then(async (verification) => {
      if ('refused' in verification) throw unauthorized(verification.refused);
      await admit(ctx, verification.claims);
      return next();
    });
  };
}

// Plain functions, not async ones: a request passes them without an extra turn of the microtask queue.
export function requireScope(scope: string) {
  return (ctx: Context, next: Next) => {
    if (!(ctx.state as ApiState).actor.scopes.has(scope)) throw new Forbidden(`this needs the ${scope} scope`);
    return next();
  };
}

/** At least one of the scopes. */
export function requireAnyScope(...scopes: string[]) {
  return (ctx: Context, next: Next) => {
    const actor = (ctx.state as ApiState).actor;
    if (!scopes.some((s) => actor.scopes.has(s))) throw new Forbidden(`this needs the ${scopes.join(' or ')} scope`);
    return next();
  };
}
