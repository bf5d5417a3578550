import type { Executor } from './executor.js';
import type { Keyring } from './keyring.js';
import { signingKeyContext } from './sealed-rows.js';
import { open, seal } from './sealing.js';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
}

export type PublicKeyRow = Omit<SigningKeyRow, 'private_jwk'> & { created_at: number };

/** The token signing keys, newest first; the private halves sealed under the data key. */
export function createKeys(ex: Executor, keyring: Keyring) {
  return {
    async all(): Promise<SigningKeyRow[]> {
      const rows = await ex.all<Omit<SigningKeyRow, 'private_jwk'> & { private_sealed: Buffer }>(
        'SELECT kid, alg, private_sealed, public_jwk FROM signing_keys ORDER BY created_at DESC, kid',
      );
      return rows.map(({ private_sealed, ...row }) => ({ ...row, private_jwk: open(keyring, private_sealed, signingKeyContext(row.kid)) }));
    },
    /** The public halves only: nothing to unseal. */
    publicKeys: () => ex.all<PublicKeyRow>('SELECT kid, alg, public_jwk, created_at FROM signing_keys ORDER BY created_at DESC, kid'),
    async insert({ private_jwk, ...key }: SigningKeyRow, now: number): Promise<void> {
      await ex.run('INSERT INTO signing_keys (kid, alg, private_sealed, public_jwk, created_at) VALUES (:kid, :alg, :private_sealed, :public_jwk, :now)', {
        kid: key.kid,
        alg: key.alg,
        public_jwk: key.public_jwk,
        private_sealed: seal(keyring, private_jwk, signingKeyContext(key.kid)),
        now,
      });
    },
    delete: async (kid: string): Promise<boolean> => (await ex.run('DELETE FROM signing_keys WHERE kid = :kid', { kid })) === 1,
  };
}
export type Keys = ReturnType<typeof createKeys>;

/** Small named values the server keeps between starts. */
export function createSettings(ex: Executor) {
  const get = async (key: string): Promise<string | undefined> => (await ex.get<{ value: string }>('SELECT value FROM settings WHERE key = :key', { key }))?.value;
  return {
    get,
    async set(key: string, value: string): Promise<void> {
      await ex.run('INSERT INTO settings (key, value) VALUES (:key, :value) ON CONFLICT (key) DO UPDATE SET value = excluded.value', { key, value });
    },
    /** The value kept under `key`, `value` if there was none: processes starting together agree on one. */
    async getOrSet(key: string, value: string): Promise<string> {
      await ex.run('INSERT INTO settings (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING', { key, value });
      return (await get(key))!;
    },
  };
}
export type Settings = ReturnType<typeof createSettings>;
