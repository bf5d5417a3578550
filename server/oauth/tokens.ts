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
        return { clientId: payload.sub, scopes: new Set(payload.scope.split(' ').filter(Boolean)) };
      } catch {
        return undefined;
      }
    },
  };
}
export type Tokens = ReturnType<typeof createTokens>;
