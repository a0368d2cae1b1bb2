import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The file in the data folder that holds the pepper of the key digests. */
export const PEPPER_FILE = 'key-pepper';
const PEPPER_BYTES = 32;
const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The pepper of the API key digests: 32 random bytes in `<dataDir>/key-pepper` (mode 0600), created on first use and
 * read afterwards. It lives outside the database, so a database dump alone cannot confirm a guessed secret. Losing
 * the file invalidates every stored key (the bootstrap admin key included), so back it up with the database.
 * Throws when the file exists with another length (a damaged pepper must not silently become a new one).
 *
 * @example const pepper = await loadOrCreatePepper(config.dataDir);
 */
export async function loadOrCreatePepper(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, PEPPER_FILE);
  const existing = await readPepper(file);
  if (existing !== undefined) return existing;
  const pepper = randomBytes(PEPPER_BYTES);
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(pepper);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // Another process created it between our read and our exclusive open: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readPepper(file)) as Buffer;
    throw error;
  }
  await syncFolder(dataDir);
  return pepper;
}

async function readPepper(file: string): Promise<Buffer | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (bytes.length !== PEPPER_BYTES) {
    throw new Error(`The key pepper ${JSON.stringify(file)} holds ${bytes.length} bytes instead of ${PEPPER_BYTES}: restore it from a backup (every API key depends on it).`);
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return bytes;
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a folder; the file itself is synced.
  } finally {
    await handle.close();
  }
}

/**
 * Computes and compares key digests: `HMAC-SHA-256(pepper, secret)`, compared with `timingSafeEqual` on two 32-byte
 * buffers. `matches` against a missing digest (unknown key id, no previous secret) compares against a dummy digest,
 * so every attempt does the same work. The KeyStore calls only these two methods for a secret, which is also what
 * the tests watch.
 */
export class SecretHasher {
  readonly #pepper: Buffer;
  readonly #dummy = randomBytes(32);

  constructor(pepper: Buffer) {
    if (pepper.length < 16) throw new Error(`The key pepper must be at least 16 bytes, got ${pepper.length}.`);
    this.#pepper = Buffer.from(pepper);
  }

  /** `HMAC-SHA-256(pepper, secret)`, 32 bytes. */
  digest(secret: string): Buffer {
    return createHmac('sha256', this.#pepper).update(secret, 'utf8').digest();
  }

  /** Constant-time equality of `digest` with `expected`; false (after the same comparison) when `expected` is null. */
  matches(digest: Buffer, expected: Buffer | null): boolean {
    const equal = timingSafeEqual(digest, expected ?? this.#dummy);
    return equal && expected !== null;
  }
}

/** SHA-256 of a string (the digest earlier releases stored for the admin key). */
export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The stored hex digest as 32 bytes, or null for a placeholder ("no digest in the database"). */
export function decodeDigest(stored: string | null | undefined): Buffer | null {
  return typeof stored === 'string' && DIGEST_PATTERN.test(stored) ? Buffer.from(stored, 'hex') : null;
}

/**
 * What the `api_keys` row of a key whose digest is kept in memory only (a configured admin key) holds instead: not
 * hex, so it can never match.
 */
export const NO_DIGEST = 'none';
