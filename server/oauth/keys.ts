import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type JWK, type CryptoKey } from 'jose';
import type { SigningKeyRow } from '../db/keys.js';
import type { Store } from '../db/store.js';

export const ALG = 'ES256';

/** How often, at most, a token with an unknown kid makes the server look for new keys in the database. */
const RELOAD_EVERY_MS = 1000;

export interface KeySet {
  /** Signs new tokens: the newest key when this server started. */
  signing: { kid: string; key: CryptoKey };
  /** Verifies tokens, by kid. */
  verifying: Map<string, CryptoKey>;
  /** The public JWKS document. */
  jwks: { keys: JWK[] };
  /**
   * Takes in keys added or dropped since (by `thread keys rotate-signing` or another process's first
   * start), so tokens another process signs with a newer key verify here too. At most once a second.
   */
  reload(): Promise<void>;
}

/** A fresh ES256 key pair, as the row the store keeps (the private half is sealed there). */
export async function newSigningKey(): Promise<SigningKeyRow> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return { kid, alg: ALG, private_jwk: JSON.stringify(privateJwk), public_jwk: JSON.stringify({ ...publicJwk, kid, alg: ALG, use: 'sig' }) };
}

/** Loads the signing keys, creating the first one on first start; every key is imported once. */
export async function loadKeys(store: Store, now: number): Promise<KeySet> {
  if ((await store.keys.publicKeys()).length === 0) {
    const key = await newSigningKey();
    await store.transaction((tx) => tx.keys.insert(key, now));
  }
  const newest = (await store.keys.all())[0];
  const signingKey = (await importJWK(JSON.parse(newest.private_jwk) as JWK, newest.alg)) as CryptoKey;

  const verifying = new Map<string, CryptoKey>();
  const jwks: { keys: JWK[] } = { keys: [] };
  async function load(): Promise<void> {
    const rows = await store.keys.publicKeys();
    for (const row of rows) {
      if (!verifying.has(row.kid)) verifying.set(row.kid, (await importJWK(JSON.parse(row.public_jwk) as JWK, row.alg)) as CryptoKey);
    }
    const kept = new Set(rows.map((row) => row.kid));
    for (const kid of verifying.keys()) if (!kept.has(kid)) verifying.delete(kid);
    jwks.keys = rows.map((row) => JSON.parse(row.public_jwk) as JWK);
  }
  await load();
  let loadedAt = performance.now();
  return {
    signing: { kid: newest.kid, key: signingKey },
    verifying,
    jwks,
    async reload() {
      if (performance.now() - loadedAt < RELOAD_EVERY_MS) return;
      loadedAt = performance.now();
      await load();
    },
  };
}
