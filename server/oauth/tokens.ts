import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import { ALG, type KeySet } from './keys.js';

export const TOKEN_LIFETIME = 3600;

export const SCOPES = ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'] as const;

export interface AccessClaims {
  clientId: string;
  scopes: Set<string>;
}

/** Issues and verifies the access tokens: ES256 JWTs for the booking API. */
export function createTokens(keys: KeySet, options: { issuer: string; audience: string; now: () => number }) {
  const { issuer, audience, now } = options;
  const resolveKey = (header: { kid?: string }) => {
    const key = header.kid ? keys.verifying.get(header.kid) : undefined;
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key;
  };

  // Tokens already verified, until they expire: a client sends the same token for an hour, and
  // checking its signature once is enough. Bounded, oldest dropped first.
  const verified = new Map<string, { claims: AccessClaims; expiresAt: number }>();
  const VERIFIED_MAX = 10_000;

  return {
    async issue(clientId: string, scopes: string[]): Promise<string> {
      const iat = Math.floor(now() / 1000);
      return new SignJWT({ scope: scopes.join(' ') })
        .setProtectedHeader({ alg: ALG, kid: keys.signing.kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(clientId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + TOKEN_LIFETIME)
        .setJti(randomUUID())
        .sign(keys.signing.key);
    },
    /** The token's client and scopes; undefined when it is not one of ours or has expired. */
    async verify(token: string): Promise<AccessClaims | undefined> {
      const known = verified.get(token);
      if (known) {
        if (now() < known.expiresAt) return known.claims;
        verified.delete(token);
      }
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
        const claims = { clientId: payload.sub, scopes: new Set(payload.scope.split(' ').filter(Boolean)) };
        if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
        verified.set(token, { claims, expiresAt: payload.exp! * 1000 });
        return claims;
      } catch {
        return undefined;
      }
    },
  };
}
export type Tokens = ReturnType<typeof createTokens>;
