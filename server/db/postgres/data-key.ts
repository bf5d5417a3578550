import fs from 'node:fs';
import path from 'node:path';
import { checkDataKey, hasDataKeyCheck } from '../data-key-check.js';
import type { Executor } from '../executor.js';
import { keyFilePath, MissingKeyFile, openKeyring, type DataKeys, type Keyring } from '../keyring.js';

/**
 * The data keys of a process on PostgreSQL. PATIENT_DATA_KEY when set: the way to run servers on
 * several machines, each given the same key. Otherwise a key file in the data directory (DATABASE_PATH's,
 * ./data/thread.key by default), made 0600 on first start only while the database has sealed nothing
 * yet: a second machine without the key refuses to start instead of sealing with a key of its own.
 * Either way the key must open the database's data key check (data-key-check.ts).
 */
export async function openPostgresKeyring(sql: Executor, databasePath: string, configured: DataKeys | undefined): Promise<Keyring> {
  let keyring: Keyring;
  try {
    const fresh = !(await hasDataKeyCheck(sql));
    if (!configured && fresh) fs.mkdirSync(path.dirname(databasePath), { recursive: true, mode: 0o700 });
    keyring = openKeyring(databasePath, configured, { createKeyFile: fresh });
  } catch (error) {
    if (!(error instanceof MissingKeyFile)) throw error;
    throw new Error(
      `PATIENT_DATA_KEY is not set and there is no key file ${keyFilePath(databasePath)}, but this database's patient data is ` +
        'sealed already: give this server the PATIENT_DATA_KEY the other servers have (or a copy of their key file)',
    );
  }
  await checkDataKey(sql, keyring);
  return keyring;
}
