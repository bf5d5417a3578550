import { KeyObject, randomUUID, sign } from 'node:crypto';
import { jwtVerify, errors } from 'jose';
import { ALG, type KeySet } from './keys.js';
import { isLowS, toLowS } from './low-s.js';

export const TOKEN_LIFETIME = 3600;
/** How far in the future a token's `iat` may be, for clocks that drift a little between issuers. */
const CLOCK_SKEW = 60;

export const SCOPES = ['scheduling:read', 'scheduling:write', 'scheduling:book', 'scheduling:patients'] as const;

export interface AccessClaims {
  clientId: string;
  scopes: Set<string>;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
}

/** A verified token's claims, or why it was refused (said in the 401's message). */
export type Verification = { claims: AccessClaims } | { refused: string };

/** Why jose refused a token, in the words of the 401's message. */
function refusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.reason === 'missing') return `access token lacks the "${error.claim}" claim`;
  return 'access token is invalid or expired';
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
          error ? reject(error) : resolve(`${input}.${toLowS(signature).toString('base64url')}`),
        ),
      );
    },
    remembered,
    /**
     * The token's client, scopes and expiry, or why it is refused: not ours, expired, a high-S
     * (malleable) signature, issued in the future, or meant to live longer than TOKEN_LIFETIME.
     */
    async verify(token: string): Promise<Verification> {
      const known = remembered(token);
      if (known) return { claims: known };
      let payload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          issuer,
          audience,
          algorithms: [ALG],
          typ: 'at+jwt',
          currentDate: new Date(now()),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        }));
      } catch (error) {
        return { refused: refusal(error) };
      }
      if (!isLowS(Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url'))) {
        return { refused: 'access token signature is not in low-S form (s > n/2)' };
      }
      const { iat, exp } = payload as { iat: number; exp: number };
      if (iat > Math.floor(now() / 1000) + CLOCK_SKEW) return { refused: 'access token is issued in the future (iat)' };
      if (exp - iat > TOKEN_LIFETIME) return { refused: `access token lives longer than ${TOKEN_LIFETIME} s (exp - iat)` };
      if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string') return { refused: 'access token is invalid or expired' };
      const claims = { clientId: payload.sub, scopes: new Set(payload.scope.split(' ').filter(Boolean)), expiresAt: exp * 1000 };
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      verified.set(token, claims);
      return { claims };
    },
  };
}
export type Tokens = ReturnType<typeof createTokens>;
