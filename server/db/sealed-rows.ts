import type { SignUp } from '../../shared/types.js';
import type { Db } from './database.js';
import type { Executor } from './executor.js';
import type { Keyring } from './keyring.js';
import { open, seal, sealedWith } from './sealing.js';

/** Every sealed column: its table, the row's key (part of the associated data) and the context it is sealed under. */
const SEALED = [
  { table: 'sign_ups', key: 'booking_id', column: 'sealed', context: (id: string) => `sign-up ${id}` },
  { table: 'signing_keys', key: 'kid', column: 'private_sealed', context: (kid: string) => `signing key ${kid}` },
  { table: 'webhook_endpoints', key: 'id', column: 'secret_sealed', context: (id: string) => `webhook secret ${id}` },
] as const;

export const signUpContext = SEALED[0].context;
export const signingKeyContext = SEALED[1].context;
export const webhookSecretContext = SEALED[2].context;

/** A sign-up's fields, sealed and bound to its booking: the one form every writer of sign_ups stores. */
export function sealSignUp(keyring: Keyring, bookingId: string, signUp: SignUp): Buffer {
  const { first_name, last_name, email, phone, date_of_birth } = signUp;
  return seal(keyring, JSON.stringify({ first_name, last_name, email, phone, date_of_birth }), signUpContext(bookingId));
}

/**
 * Seals what migration 005 set aside in clear (rows written before it), then drops the clear tables.
 * One transaction; with secure_delete on, the freed pages are zeroed, and the log is emptied after.
 * SQLite only (its migration 005 set them aside; PostgreSQL starts sealed), so on the connection itself.
 */
export function sealUnsealedRows(db: Db, keyring: Keyring): void {
  const aside = (name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  if (!aside('unsealed_sign_ups') && !aside('unsealed_signing_keys')) return;
  db.transaction(() => {
    if (aside('unsealed_sign_ups')) {
      const insert = db.prepare('INSERT INTO sign_ups (booking_id, sealed, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
      for (const row of db.prepare('SELECT * FROM unsealed_sign_ups').all() as Array<SignUp & { booking_id: string; created_at: number }>) {
        insert.run(row.booking_id, sealSignUp(keyring, row.booking_id, row), row.created_at);
      }
      db.exec('DROP TABLE unsealed_sign_ups');
    }
    if (aside('unsealed_signing_keys')) {
      const insert = db.prepare('INSERT INTO signing_keys (kid, alg, private_sealed, public_jwk, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
      for (const row of db.prepare('SELECT * FROM unsealed_signing_keys').all() as Array<{ kid: string; alg: string; private_jwk: string; public_jwk: string; created_at: number }>) {
        insert.run(row.kid, row.alg, seal(keyring, row.private_jwk, signingKeyContext(row.kid)), row.public_jwk, row.created_at);
      }
      db.exec('DROP TABLE unsealed_signing_keys');
    }
  }).immediate();
  // The clear rows' pages went through the write-ahead log before: empty it.
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * Seals every blob not under the current key again under it; returns how many per table. Run it in one
 * transaction (`ex` a transaction's executor). After this, keys other than the current one may be dropped.
 */
export async function resealAll(ex: Executor, keyring: Keyring): Promise<Record<string, number>> {
  const current = keyring.current().id;
  const counts: Record<string, number> = {};
  for (const { table, key, column, context } of SEALED) {
    let count = 0;
    for (const row of await ex.all<{ id: string; blob: Buffer }>(`SELECT ${key} AS id, ${column} AS blob FROM ${table}`)) {
      if (sealedWith(row.blob).equals(current)) continue;
      await ex.run(`UPDATE ${table} SET ${column} = :blob WHERE ${key} = :id`, {
        blob: seal(keyring, open(keyring, row.blob, context(row.id)), context(row.id)),
        id: row.id,
      });
      count += 1;
    }
    counts[table] = count;
  }
  return counts;
}
