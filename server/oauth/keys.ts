import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type JWK, type CryptoKey } from 'jose';
import type { Store } from '../db/store.js';

export const ALG = 'ES256';

export interface KeySet {
  /** Signs new tokens. */
  signing: { kid: string; key: CryptoKey };
  /** Verifies tokens, by kid. */
  verifying: Map<string, CryptoKey>;
  /** The public JWKS document. */
  jwks: { keys: JWK[] };
}

/** Loads the signing keys, creating the first one on first start; every key is imported once. */
export async function loadKeys(store: Store, now: number): Promise<KeySet> {
  let rows = store.keys.all();
  if (rows.length === 0) {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    store.keys.insert(
      { kid, alg: ALG, private_jwk: JSON.stringify(privateJwk), public_jwk: JSON.stringify({ ...publicJwk, kid, alg: ALG, use: 'sig' }) },
      now,
    );
    rows = store.keys.all();
  }
  const verifying = new Map<string, CryptoKey>();
  const jwks: JWK[] = [];
  for (const row of rows) {
    const publicJwk = JSON.parse(row.public_jwk) as JWK;
    verifying.set(row.kid, (await importJWK(publicJwk, row.alg)) as CryptoKey);
    jwks.push(publicJwk);
  }
  const newest = rows[0];
  const signingKey = (await importJWK(JSON.parse(newest.private_jwk) as JWK, newest.alg)) as CryptoKey;
  return { signing: { kid: newest.kid, key: signingKey }, verifying, jwks: { keys: jwks } };
}
