import { zeroBits } from '../../shared/proof.js';

/**
 * The proof of work a hold needs: a nonce so that SHA-256(challenge + nonce) starts with `bits`
 * zero bits. Digests run in batches, each batch awaited, so the page stays responsive.
 */
export async function solve(challenge: string, bits: number): Promise<string> {
  const encoder = new TextEncoder();
  for (let n = 0; ; n += 64) {
    const digests = await Promise.all(
      Array.from({ length: 64 }, (_, i) => crypto.subtle.digest('SHA-256', encoder.encode(challenge + (n + i)))),
    );
    const found = digests.findIndex((digest) => zeroBits(new Uint8Array(digest)) >= bits);
    if (found >= 0) return String(n + found);
  }
}
