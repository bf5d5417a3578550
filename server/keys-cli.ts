// `thread keys ...`: rotation of the token-signing key and of the patient data key (README,
// "Patient data at rest"). Each prints one JSON object, as every CLI command does.
import type { Store } from './db/store.js';
import { newDataKey, writeKeyFile } from './db/keyring.js';
import { newSigningKey } from './oauth/keys.js';
import { TOKEN_LIFETIME } from './oauth/tokens.js';

type Command = (store: Store) => Promise<object> | object;

const hex = (id: Buffer) => id.toString('hex');

export function dataKeyCommands(UsageError: new (message: string) => Error): Record<string, Command> {
  return {
    /** A new signing key signs from each server's next start; the old ones stay in the JWKS and keep verifying. */
    async 'keys rotate-signing'(store) {
      const key = await newSigningKey();
      const newest = (await store.keys.publicKeys())[0];
      // Newest first is by created_at: never tie with, or fall behind, the key it replaces.
      await store.transaction((tx) => tx.keys.insert(key, Math.max(Date.now(), (newest?.created_at ?? 0) + 1)));
      return { signing_kid: key.kid, verifying_kids: (await store.keys.publicKeys()).map((k) => k.kid) };
    },

    /** Drops every key but the newest, once the tokens the old ones signed have all expired. */
    async 'keys drop-previous-signing'(store) {
      const [newest, ...older] = await store.keys.publicKeys();
      const safeFrom = newest.created_at + TOKEN_LIFETIME * 1000;
      if (older.length > 0 && Date.now() < safeFrom) {
        throw new UsageError(
          `tokens signed by the previous signing keys may be valid until ${new Date(safeFrom).toISOString()}; ` +
            'drop them after then, once every server has restarted since rotate-signing',
        );
      }
      await store.transaction(async (tx) => {
        for (const key of older) await tx.keys.delete(key.kid);
      });
      return { signing_kid: newest.kid, dropped_kids: older.map((k) => k.kid) };
    },

    /**
     * With the key file: makes a new key, puts it first in the file (the old ones stay for reading) and
     * seals everything again under it. With PATIENT_DATA_KEY: seals everything under that key, the old
     * one given in PATIENT_DATA_KEY_PREVIOUS.
     */
    async 'keys rotate-data'(store) {
      const keyring = store.dataKeys;
      if (keyring.file) writeKeyFile(keyring.file, [newDataKey(), ...keyring.all().map((k) => k.key)]);
      else if (keyring.all().length === 1) {
        throw new UsageError('PATIENT_DATA_KEY_PREVIOUS is not set: set PATIENT_DATA_KEY to the new key and PATIENT_DATA_KEY_PREVIOUS to the old one');
      }
      const resealed = await store.resealAll();
      const [current, ...previous] = keyring.all();
      return { data_key_id: hex(current.id), previous_key_ids: previous.map((k) => hex(k.id)), resealed, key_file: keyring.file ?? null };
    },

    /** Seals whatever is still under a previous key again (a server not yet restarted may have written some), then forgets the previous keys. */
    async 'keys drop-previous-data'(store) {
      const keyring = store.dataKeys;
      const resealed = await store.resealAll();
      const [current, ...previous] = keyring.all();
      if (keyring.file) writeKeyFile(keyring.file, [current.key]);
      return { data_key_id: hex(current.id), dropped_key_ids: previous.map((k) => hex(k.id)), resealed, key_file: keyring.file ?? null };
    },
  };
}
