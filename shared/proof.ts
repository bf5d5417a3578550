// The proof of work a hold needs (server/bff/proof.ts checks it, the widget finds it): a nonce so that
// SHA-256(challenge + nonce) starts with a number of zero bits.

/** Leading zero bits of a digest. */
export function zeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}
