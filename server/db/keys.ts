import type { Db } from './database.js';
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
export function createKeys(db: Db, keyring: Keyring) {
  const statements = {
    all: db.prepare('SELECT kid, alg, private_sealed, public_jwk FROM signing_keys ORDER BY created_at DESC, kid'),
    publicKeys: db.prepare('SELECT kid, alg, public_jwk, created_at FROM signing_keys ORDER BY created_at DESC, kid'),
    insert: db.prepare(
      'INSERT INTO signing_keys (kid, alg, private_sealed, public_jwk, created_at) VALUES (:kid, :alg, :private_sealed, :public_jwk, :now)',
    ),
    delete: db.prepare('DELETE FROM signing_keys WHERE kid = ?'),
  };
  return {
    all: () =>
      (statements.all.all() as Array<Omit<SigningKeyRow, 'private_jwk'> & { private_sealed: Buffer }>).map(({ private_sealed, ...row }) => ({
        ...row,
        private_jwk: open(keyring, private_sealed, signingKeyContext(row.kid)),
      })),
    /** The public halves only: nothing to unseal. */
    publicKeys: () => statements.publicKeys.all() as PublicKeyRow[],
    insert: ({ private_jwk, ...key }: SigningKeyRow, now: number) =>
      statements.insert.run({ ...key, private_sealed: seal(keyring, private_jwk, signingKeyContext(key.kid)), now }),
    delete: (kid: string) => statements.delete.run(kid).changes === 1,
  };
}

/** Small named values the server keeps between starts. */
export function createSettings(db: Db) {
  const statements = {
    get: db.prepare('SELECT value FROM settings WHERE key = ?'),
    set: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    setIfAbsent: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
  };
  return {
    get: (key: string) => (statements.get.get(key) as { value: string } | undefined)?.value,
    set: (key: string, value: string) => void statements.set.run(key, value),
    /** The value kept under `key`, `value` if there was none: processes starting together agree on one. */
    getOrSet: (key: string, value: string): string => {
      statements.setIfAbsent.run(key, value);
      return (statements.get.get(key) as { value: string }).value;
    },
  };
}
