import { createHash, randomBytes } from 'node:crypto';

/** Length in bytes of a master key (AES-256). */
export const MASTER_KEY_BYTES = 32;

/**
 * The key-encryption key (KEK) that wraps every artifact's data key. `id` is a public fingerprint (the first 16 hex
 * characters of sha256("tessera-kek-id" ‖ key)): it is stored in each envelope so a server can tell which master
 * key sealed an artifact, and it says nothing about the key itself.
 */
export interface MasterKey {
  id: string;
  key: Buffer;
}

const ID_PREFIX = Buffer.from('tessera-kek-id', 'utf8');
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/** 32 bytes in base64 or base64url: 43 characters, optionally one `=` of padding. */
const BASE64_KEY = /^(?:[A-Za-z0-9+/]{43}|[A-Za-z0-9_-]{43})=?$/;

/**
 * Reads a master key written as 64 hex characters or as base64/base64url of exactly 32 bytes (surrounding whitespace,
 * e.g. a key file's trailing newline, is ignored). Throws a plain `Error` whose message never contains the text.
 *
 * @example const master = parseMasterKey(await readFile(keyFile, 'utf8'));
 */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const key = HEX_KEY.test(trimmed) ? Buffer.from(trimmed, 'hex') : BASE64_KEY.test(trimmed) ? decodeBase64Key(trimmed) : undefined;
  if (key === undefined || key.byteLength !== MASTER_KEY_BYTES) {
    throw new Error('The master key must be 32 bytes written as 64 hex characters or as base64/base64url (43 or 44 characters): '
      + 'generate one with `openssl rand -base64 32`.');
  }
  return masterKeyFromBytes(key);
}

/**
 * Wraps 32 raw bytes as a `MasterKey` (the bytes are copied).
 *
 * @example const master = masterKeyFromBytes(randomBytes(32));
 */
export function masterKeyFromBytes(bytes: Uint8Array): MasterKey {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== MASTER_KEY_BYTES) throw new Error('A master key is exactly 32 bytes.');
  const key = Buffer.from(bytes);
  return { id: masterKeyId(key), key };
}

/**
 * A fresh random master key as base64 text (44 characters), for a key file or an environment variable.
 *
 * @example const text = generateMasterKeyText(); // e.g. 'q8N…=' → parseMasterKey(text)
 */
export function generateMasterKeyText(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}

/** The public fingerprint of a key: the first 16 hex characters of sha256("tessera-kek-id" ‖ key). */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update(ID_PREFIX).update(key).digest('hex').slice(0, 16);
}

/** Decodes base64/base64url text, refusing non-canonical spellings (stray bits in the last character). */
/** Throws unless `master` is 32 key bytes with their own fingerprint as id (a hand-made `MasterKey` could lie). */
export function assertMasterKey(master: MasterKey): void {
  const valid = typeof master === 'object' && master !== null && Buffer.isBuffer(master.key) && master.key.byteLength === MASTER_KEY_BYTES
    && master.id === masterKeyId(master.key);
  if (!valid) throw new Error('A master key is 32 bytes with its fingerprint as id: make it with parseMasterKey or masterKeyFromBytes.');
}

function decodeBase64Key(text: string): Buffer | undefined {
  const key = Buffer.from(text, 'base64');
  const canonical = key.toString('base64url');
  const unpadded = text.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return canonical === unpadded ? key : undefined;
}
