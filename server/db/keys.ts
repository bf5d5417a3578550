import type { Db } from './database.js';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
}

/** The token signing keys, newest first. */
export function createKeys(db: Db) {
  const statements = {
    all: db.prepare('SELECT kid, alg, private_jwk, public_jwk FROM signing_keys ORDER BY created_at DESC, kid'),
    insert: db.prepare(
      'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (:kid, :alg, :private_jwk, :public_jwk, :now)',
    ),
  };
  return {
    all: () => statements.all.all() as SigningKeyRow[],
    insert: (key: SigningKeyRow, now: number) => statements.insert.run({ ...key, now }),
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
