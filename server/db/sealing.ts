import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.js';

// A sealed blob: version (1 byte) | key id (8) | nonce (12) | AES-256-GCM ciphertext | tag (16).
// The header and the caller's context (e.g. the booking id) are the associated data: a blob moved to
// another row, or given another key id, fails to open.
const VERSION = 1;
const HEADER = 1 + 8 + 12;
const TAG = 16;

export function seal(keyring: Keyring, plaintext: string, context: string): Buffer {
  const { id, key } = keyring.current();
  const header = Buffer.concat([Buffer.from([VERSION]), id, randomBytes(12)]);
  const cipher = createCipheriv('aes-256-gcm', key, header.subarray(9));
  cipher.setAAD(Buffer.concat([header, Buffer.from(context)]));
  return Buffer.concat([header, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
}

/** The id of the key that sealed `blob`. */
export function sealedWith(blob: Buffer): Buffer {
  return blob.subarray(1, 9);
}

export function open(keyring: Keyring, blob: Buffer, context: string): string {
  if (blob.length < HEADER + TAG || blob[0] !== VERSION) throw new Error(`a sealed ${context} is not in a format this server reads`);
  const key = keyring.find(sealedWith(blob));
  if (!key) throw new Error(`${context} is sealed with data key ${sealedWith(blob).toString('hex')}, which this server does not have`);
  const decipher = createDecipheriv('aes-256-gcm', key.key, blob.subarray(9, HEADER));
  decipher.setAAD(Buffer.concat([blob.subarray(0, HEADER), Buffer.from(context)]));
  decipher.setAuthTag(blob.subarray(blob.length - TAG));
  return Buffer.concat([decipher.update(blob.subarray(HEADER, blob.length - TAG)), decipher.final()]).toString('utf8');
}
