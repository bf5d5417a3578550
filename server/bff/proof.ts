// Proof of work for holds: a stateless challenge, signed with a secret the server processes
// share through the database, that names the location, the network and the bits it needs.
// The widget finds a nonce so that SHA-256(challenge + nonce) starts with that many zero bits.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Forbidden, withReason } from '../errors.js';
import type { BffReason } from '../../shared/types.js';
import { PROOF_TTL_MS } from './limits.js';
import { zeroBits } from '../../shared/proof.js';

export interface Challenge {
  challenge: string;
  /** Leading zero bits SHA-256(challenge + nonce) must have. */
  bits: number;
  expires_at: string;
}

interface Claims {
  /** location id, network, bits, expiry (ms) */
  l: string;
  n: string;
  b: number;
  e: number;
  /** Random, so that no two challenges are alike. */
  r: string;
}

export interface SolvedProof {
  bits: number;
  expiresAt: number;
  /** What is stored to refuse the same challenge a second time. */
  hash: string;
}

const refused = (message: string, reason: BffReason) => withReason(new Forbidden(message), reason);

export function createProofs(secret: Buffer, now: () => number) {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

  return {
    issue(location: string, network: string, bits: number): Challenge {
      const claims: Claims = { l: location, n: network, b: bits, e: now() + PROOF_TTL_MS, r: randomBytes(12).toString('base64url') };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return { challenge: `${payload}.${sign(payload)}`, bits, expires_at: new Date(claims.e).toISOString() };
    },

    /** The proof of a hold for `location` from `network`; a 403 naming what is wrong otherwise. */
    check(challenge: string, nonce: string, location: string, network: string): SolvedProof {
      const [payload, mac, extra] = challenge.split('.');
      const expected = payload ? Buffer.from(sign(payload)) : undefined;
      if (extra !== undefined || !expected || !mac || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), expected)) {
        throw refused('challenge was not issued by this server. Ask GET /bff/v1/holds/challenge for one.', 'proof_invalid');
      }
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
      if (claims.e <= now()) throw refused('challenge has expired. Ask for a new one and solve it again.', 'proof_expired');
      if (claims.l !== location || claims.n !== network) {
        throw refused('challenge was issued for another location or network. Ask for one for this hold.', 'proof_invalid');
      }
      if (zeroBits(createHash('sha256').update(challenge + nonce).digest()) < claims.b) {
        throw refused(`nonce does not solve the challenge: SHA-256(challenge + nonce) needs ${claims.b} leading zero bits.`, 'proof_invalid');
      }
      return { bits: claims.b, expiresAt: claims.e, hash: createHash('sha256').update(payload).digest('base64url') };
    },
  };
}
export type Proofs = ReturnType<typeof createProofs>;

/** Too few bits for the holds there are now: the widget asks for a new challenge and tries again. */
export function proofTooWeak(bits: number): Forbidden {
  return refused(`The hold now needs a proof of ${bits} bits. Ask for a new challenge and solve it.`, 'proof_too_weak');
}

export function proofReused(): Forbidden {
  return refused('challenge was used already: each one holds once. Ask for a new one.', 'proof_reused');
}
