import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fail } from '../core/index.js';
import { createArtifactCipher, envelopeKeyId, generateMasterKeyText, parseMasterKey, rewrapEnvelope, type MasterKey } from './envelope/index.js';
import type { ArtifactCipher, ArtifactOwner, ArtifactSealing } from './envelope/cipher-types.js';

export interface MasterKeySource {
  /** The key itself (TESSERA_MASTER_KEY): in force as long as it is configured; not rotatable by the server. */
  configuredKey?: string;
  /** A key file (TESSERA_MASTER_KEY_FILE): created with a new key when missing; rotation writes the next key here. */
  keyFile?: string;
}

/**
 * The master key (key-encryption key) in force, and the artifact cipher built on it. Sealing always uses the key in
 * force; opening picks the known key whose fingerprint the envelope names, so a rotation interrupted by a crash
 * (`<file>.next` present at start) still opens everything and is finished by the next rotation pass.
 */
export class MasterKeyManager {
  #current: MasterKey;
  readonly #known = new Map<string, MasterKey>();

  private constructor(current: MasterKey, others: MasterKey[], private readonly keyFile: string | undefined, readonly createdKeyFile = false) {
    this.#current = current;
    for (const key of [current, ...others]) this.#known.set(key.id, key);
  }

  /** Undefined when neither a key nor a key file is configured (encryption at rest off). */
  static async open(source: MasterKeySource): Promise<MasterKeyManager | undefined> {
    if (source.configuredKey !== undefined && source.keyFile !== undefined) {
      throw new Error('Configure either TESSERA_MASTER_KEY or TESSERA_MASTER_KEY_FILE, not both.');
    }
    if (source.configuredKey !== undefined) return new MasterKeyManager(parseMasterKey(source.configuredKey), [], undefined);
    if (source.keyFile === undefined) return undefined;
    const existing = await readKeyFile(source.keyFile);
    const current = existing ?? await createKeyFile(source.keyFile);
    const next = await readKeyFile(`${source.keyFile}.next`);
    if (next !== undefined) return new MasterKeyManager(next, [current], source.keyFile);
    return new MasterKeyManager(current, [], source.keyFile, existing === undefined);
  }

  keyId(): string {
    return this.#current.id;
  }

  /** True after a start that found an interrupted rotation: some envelopes may still name the previous key. */
  hasPendingRotation(): boolean {
    return this.#known.size > 1;
  }

  /** A cipher that seals with the key in force and opens with whichever known key sealed the artifact. */
  cipher(): ArtifactCipher {
    return {
      seal: (owner: ArtifactOwner, artifactId: string): ArtifactSealing => createArtifactCipher(this.#current).seal(owner, artifactId),
      open: (stored: Uint8Array, envelope: string, owner: ArtifactOwner, artifactId: string): Uint8Array =>
        createArtifactCipher(this.#keyFor(envelope)).open(stored, envelope, owner, artifactId),
    };
  }

  /** Re-wraps one data key under `to` (default: the key in force), from whichever known key wrapped it. */
  rewrap(envelope: string, owner: ArtifactOwner, artifactId: string, to: MasterKey = this.#current): string {
    return rewrapEnvelope(envelope, owner, artifactId, this.#keyFor(envelope), to);
  }

  /**
   * Rotation without downtime: the next key is written durably beside the current one (`<file>.next`), `apply`
   * re-wraps every envelope to it in one transaction, the next key comes into force in the same tick, and the file
   * is renamed over the old one. A crash at any point leaves a state `open` recovers from.
   */
  async rotate(apply: (rewrap: (envelope: string, owner: ArtifactOwner, artifactId: string) => string) => void): Promise<{ from: string; to: string }> {
    if (this.keyFile === undefined) {
      fail('MASTER_KEY_NOT_ROTATABLE', 'The master key comes from TESSERA_MASTER_KEY; to rotate without downtime, keep it in TESSERA_MASTER_KEY_FILE instead.');
    }
    const from = this.#current;
    const nextFile = `${this.keyFile}.next`;
    const next = this.hasPendingRotation() ? this.#current : await createKeyFile(nextFile);
    this.#known.set(next.id, next);
    apply((envelope, owner, artifactId) => this.rewrap(envelope, owner, artifactId, next));
    this.#current = next;
    await rename(nextFile, this.keyFile);
    await syncFolder(dirname(this.keyFile));
    for (const id of [...this.#known.keys()]) if (id !== next.id) this.#known.delete(id);
    return { from: from.id, to: next.id };
  }

  #keyFor(envelope: string): MasterKey {
    const id = envelopeKeyId(envelope);
    return (id === undefined ? undefined : this.#known.get(id)) ?? this.#current;
  }
}

async function readKeyFile(file: string): Promise<MasterKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return parseMasterKey(text);
  } catch {
    throw new Error(`The master key file ${file} does not hold a 32-byte key (64 hex characters or base64).`);
  }
}

/** Writes a new random key (mode 0600, fsync'd, folder fsync'd) and returns it. */
async function createKeyFile(file: string): Promise<MasterKey> {
  const text = generateMasterKeyText();
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${text}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(dirname(file));
  return parseMasterKey(text);
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
