import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt with N = 2^15, r = 8, p = 1: the cost OWASP names for scrypt. Stored as
// `scrypt$N$r$p$salt$hash` so the cost can rise later without breaking old hashes.
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, cost: typeof COST): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export function newSecret(): string {
  // 24 bytes: 192 bits, and id:secret stays under the 64 characters that `openssl base64` wraps at.
  return randomBytes(24).toString('base64url');
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A hash of a secret nobody has: checked against when the client is unknown, so both cases take as long. */
let dummy: Promise<string> | undefined;

/** Constant-time check of `secret` against a stored hash (or against nothing, taking as long). */
export async function verifySecret(secret: string, stored: string | undefined): Promise<boolean> {
  const hash = stored ?? (await (dummy ??= hashSecret(newSecret())));
  const [scheme, n, r, p, salt, expected] = hash.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const key = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  const wanted = Buffer.from(expected, 'base64url');
  return timingSafeEqual(key, wanted) && stored !== undefined;
}

/**
 * verifySecret, remembering recent successes for `ttlMs`: a client that asks for a token
 * every few minutes pays for scrypt once, not every time. What is remembered is an HMAC
 * (under a key that lives only in this process) of the stored hash and the secret, never
 * the secret; a changed hash no longer matches, and failures are never remembered.
 */
export function createSecretVerifier(options: { ttlMs: number; now: () => number; max?: number }) {
  const key = randomBytes(32);
  const max = options.max ?? 10_000;
  const recent = new Map<string, number>();
  const tagOf = (secret: string, stored: string) => createHmac('sha256', key).update(stored).update('\0').update(secret).digest('base64url');
  return {
    /** Whether `secret` matched `stored` within the last `ttlMs`: a look-up, with no scrypt. */
    remembers(secret: string, stored: string): boolean {
      const until = recent.get(tagOf(secret, stored));
      return until !== undefined && options.now() < until;
    },
    /** The full check (scrypt), remembering a success. */
    async verify(secret: string, stored: string | undefined): Promise<boolean> {
      const valid = await verifySecret(secret, stored);
      if (valid && stored !== undefined) {
        if (recent.size >= max) recent.delete(recent.keys().next().value!);
        recent.set(tagOf(secret, stored), options.now() + options.ttlMs);
      }
      return valid;
    },
  };
}
