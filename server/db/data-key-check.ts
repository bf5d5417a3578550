import type { Executor } from './executor.js';
import type { Keyring } from './keyring.js';
import { open, seal, sealedWith } from './sealing.js';

const SETTING = 'data_key_check';
const CONTEXT = 'data key check';
const TEXT = 'thread';

/** This process's data key cannot open what the database holds: start-up stops with this one line. */
export class DataKeyMismatch extends Error {}

const hex = (id: Buffer) => id.toString('hex');

/**
 * Makes sure this process seals and opens patient data with the key the database's data is sealed
 * with. Servers on several machines each bring their own key (PATIENT_DATA_KEY or a key file); one
 * with another key would seal sign-ups the others cannot open, and fail to open theirs. So the
 * database keeps a known text sealed under the newest data key in use: the first process to start
 * seals it, each later one must open it (with its current key or one of PATIENT_DATA_KEY_PREVIOUS)
 * or refuse to start. A process whose current key is newer (a rotation) seals it again under that
 * key, after which a process with only the old key refuses: it could not open what is sealed now.
 * No key is stored, only what it sealed (the key id in its header is an HMAC of the key).
 */
export async function checkDataKey(sql: Executor, keyring: Keyring): Promise<void> {
  const sealed = seal(keyring, TEXT, CONTEXT).toString('base64');
  await sql.run('INSERT INTO settings (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING', { key: SETTING, value: sealed });
  const kept = await sql.get<{ value: string }>('SELECT value FROM settings WHERE key = :key', { key: SETTING });
  const blob = Buffer.from(kept!.value, 'base64');
  let opened: string | undefined;
  try {
    opened = open(keyring, blob, CONTEXT);
  } catch {
    opened = undefined;
  }
  if (opened !== TEXT) {
    throw new DataKeyMismatch(
      `PATIENT_DATA_KEY: this database's patient data is sealed with data key ${hex(sealedWith(blob))}, ` +
        `but this server has ${keyring.all().map((key) => hex(key.id)).join(', ')}${keyring.file ? ` (from ${keyring.file})` : ''}; ` +
        'give every server the same PATIENT_DATA_KEY (while rotating to a new one, the old one in PATIENT_DATA_KEY_PREVIOUS)',
    );
  }
  if (!sealedWith(blob).equals(keyring.current().id)) {
    await sql.run('UPDATE settings SET value = :value WHERE key = :key AND value = :old', { key: SETTING, value: sealed, old: kept!.value });
  }
}

/** Whether the database has sealed anything yet (so a new key would not open it). */
export async function hasDataKeyCheck(sql: Executor): Promise<boolean> {
  return (await sql.get('SELECT 1 AS one FROM settings WHERE key = :key', { key: SETTING })) !== undefined;
}
