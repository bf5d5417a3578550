import { KeyObject, randomUUID, sign } from 'node:crypto';
import { jwtVerify, errors } from 'jose';
import { ALG, type KeySet } from './keys.js';

export const TOKEN_LIFETIME = 3600;

export const SCOPES = ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'] as const;

export interface AccessClaims {
  clientId: string;
  scopes: Set<string>;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
}

/** Issues and verifies the access tokens: ES256 JWTs for the booking API. */
export function createTokens(keys: KeySet, options: { issuer: string; audience: string; now: () => number }) {
  const { issuer, audience, now } = options;
  const resolveKey = async (header: { kid?: string }) => {
    if (!header.kid) throw new errors.JWKSNoMatchingKey();
    // A kid not seen yet may be a key rotated in since this server started.
    if (!keys.verifying.has(header.kid)) await keys.reload();
    const key = keys.verifying.get(header.kid);
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key;
  };

  // Tokens already verified, until they expire: a client sends the same token for an hour, and
  // checking its signature once is enough. Bounded, oldest dropped first.
  const verified = new Map<string, AccessClaims>();
  const VERIFIED_MAX = 10_000;

  /** The claims of a token already verified and not yet expired: a look-up, with no signature check. */
  function remembered(token: string): AccessClaims | undefined {
    const known = verified.get(token);
    if (!known) return undefined;
    if (now() < known.expiresAt) return known;
    verified.delete(token);
    return undefined;
  }

  const signingKey = KeyObject.from(keys.signing.key);
  const header = Buffer.from(JSON.stringify({ alg: ALG, kid: keys.signing.kid, typ: 'at+jwt' })).toString('base64url');

  return {
    /**
     * A signed access token. Signed with node:crypto on libuv's thread pool: the P-256 signature
     * (about 30 µs) runs beside the event loop instead of on it. WebCrypto's sign, also off the
     * loop, cost several times as much per token in its promises and key handling.
     */
    issue(clientId: string, scopes: string[]): Promise<string> {
      const iat = Math.floor(now() / 1000);
      const claims = { scope: scopes.join(' '), iss: issuer, aud: audience, sub: clientId, iat, exp: iat + TOKEN_LIFETIME, jti: randomUUID() };
      const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return new Promise((resolve, reject) =>
        sign('sha256', Buffer.from(input), { key: signingKey, dsaEncoding: 'ieee-p1363' }, (error, signature) =>
          error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`),
        ),
      );
    },
    remembered,
    /** The token's client, scopes and expiry; undefined when it is not one of ours or has expired. */
    async verify(token: string): Promise<AccessClaims | undefined> {
      const known = remembered(token);
      if (known) return known;
      try {
        const { payload } = await jwtVerify(token, resolveKey, {
          issuer,
          audience,
          algorithms: [ALG],
          typ: 'at+jwt',
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        });
        if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string') return undefined;
        const claims = { clientId: payload.sub, scopes: new Set(payload.scope.split(' ').filter(Boolean)), expiresAt: payload.exp! * 1000 };
        if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
        verified.set(token, claims);
        return claims;
      } catch {
        return undefined;
      }
    },
  };
}
export type Tokens = ReturnType<typeof createTokens>;
