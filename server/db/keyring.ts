import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The patient data keys as configured: the one that seals, and older ones still accepted for reading. */
export interface DataKeys {
  current: Buffer;
  previous: Buffer[];
}

export interface DataKey {
  /** 8 bytes derived from the key itself: written in front of every blob, so a reader knows which key sealed it. */
  id: Buffer;
  key: Buffer;
}

export interface Keyring {
  /** The key new blobs are sealed with. */
  current(): DataKey;
  /** The key with this id, current or previous. */
  find(id: Buffer): DataKey | undefined;
  /** Every key, current first. */
  all(): DataKey[];
  /** The key file, when the keys live in one (not in PATIENT_DATA_KEY). */
  file?: string;
}

const KEY_BYTES = 32;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** The key in `text` (base64 of 32 bytes), or undefined when it is not one. */
export function parseDataKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  return BASE64_KEY.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function dataKey(key: Buffer): DataKey {
  return { id: createHmac('sha256', key).update('thread-data-key-id').digest().subarray(0, 8), key };
}

/** `thread.key` beside `thread.sqlite`. */
export function keyFilePath(databasePath: string): string {
  return path.join(path.dirname(databasePath), `${path.basename(databasePath, path.extname(databasePath))}.key`);
}

/** One base64 key per line, the current one first. */
function readKeyFile(file: string): Buffer[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim());
  const keys = lines.map((line) => parseDataKey(line));
  if (keys.length === 0 || keys.some((key) => !key)) {
    throw new Error(`the key file ${file} must hold one base64 32-byte key per line (the current key first)`);
  }
  return keys as Buffer[];
}

/** Replaces the key file in one step (write aside, then rename): a reader sees the old list or the new one. */
export function writeKeyFile(file: string, keys: Buffer[]): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(aside, keys.map((key) => key.toString('base64')).join('\n') + '\n', { mode: 0o600, flag: 'wx' });
  fs.renameSync(aside, file);
}

/**
 * Makes the key file unless it exists. Written aside and then linked into place: the link fails when
 * another process got there first, so two processes starting at once end with the winner's key, and
 * nobody ever reads a half-written file.
 */
function createKeyFile(file: string): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(aside, newDataKey().toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.unlinkSync(aside);
  }
}

function ring(keys: Buffer[]): DataKey[] {
  return keys.map(dataKey);
}

function keyringOf(get: () => DataKey[], file?: string): Keyring {
  return {
    current: () => get()[0],
    find: (id) => get().find((key) => key.id.equals(id)),
    all: () => get(),
    file,
  };
}

/** No PATIENT_DATA_KEY, no key file, and one may not be made. */
export class MissingKeyFile extends Error {
  constructor(readonly file: string) {
    super(`no key file ${file}`);
  }
}

/**
 * The keys from the settings when given, otherwise from the key file beside the database (made on
 * first start). A key file is read again whenever it is replaced, so a server keeps working through
 * `thread keys rotate-data`: it reads blobs under the old and the new key and seals with the new one.
 */
export function openKeyring(databasePath: string, configured?: DataKeys, options: { createKeyFile?: boolean } = {}): Keyring {
  if (configured) {
    const keys = ring([configured.current, ...configured.previous]);
    return keyringOf(() => keys);
  }
  if (databasePath === ':memory:') {
    const keys = ring([newDataKey()]);
    return keyringOf(() => keys);
  }
  const file = keyFilePath(databasePath);
  if (!fs.existsSync(file)) {
    // A database whose data is sealed already needs the key it was sealed with, not a new one.
    if (options.createKeyFile === false) throw new MissingKeyFile(file);
    createKeyFile(file);
  }
  let seen = '';
  let keys: DataKey[] = [];
  const get = () => {
    const stat = fs.statSync(file);
    const version = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    if (version !== seen) {
      keys = ring(readKeyFile(file));
      seen = version;
    }
    return keys;
  };
  get();
  return keyringOf(get, file);
}
