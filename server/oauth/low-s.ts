// ECDSA signatures are malleable: when (r, s) is valid so is (r, n - s), a second token string for the
// same claims. Tokens are kept and compared by their string, so exactly one form is accepted: the
// low-S one (s <= n/2), as Bitcoin (BIP 62) and Ethereum (EIP-2) settled it. Node signs with either.

/** The order of P-256's group. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = N >> 1n;
const SIZE = 32;

const sOf = (signature: Uint8Array) => BigInt(`0x${Buffer.from(signature.subarray(SIZE)).toString('hex')}`);

/** Whether a raw P-256 signature (r || s, 64 bytes) is in low-S form. */
export function isLowS(signature: Uint8Array): boolean {
  return signature.length === 2 * SIZE && sOf(signature) <= HALF_N;
}

/** The low-S form of a raw P-256 signature (r || s): the same signature when it already is. */
export function toLowS(signature: Buffer): Buffer {
  const s = sOf(signature);
  if (s <= HALF_N) return signature;
  const low = Buffer.from((N - s).toString(16).padStart(2 * SIZE, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, SIZE), low]);
}
