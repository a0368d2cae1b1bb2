import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ServingError, fail } from '../core/index.js';
import { ARTIFACT_ID_PATTERN, TEMP_FOLDER, artifactPath, newArtifactId, tempPath } from './artifact-path.js';
import type { ArtifactCipher, ArtifactLocator, ArtifactOwner, ArtifactSealing, ArtifactStore, StoredArtifact } from './types.js';

export interface FileArtifactStoreOptions {
  /** Folder that holds the artifacts, e.g. `<data>/artifacts`; created on first write. */
  root: string;
  /** Encrypts new artifacts and decrypts encrypted ones (default none: new artifacts are written in plain text). */
  cipher?: ArtifactCipher;
}

/**
 * `ArtifactStore` on the local file system. Files live at `<root>/<id[0..1]>/<id>.onnx` under server-made ids;
 * writes stream into `<root>/tmp/` while hashing, then fsync → rename → fsync of the folder, so a crash leaves either
 * the whole file or only a temp file that `removeOrphans` cleans up. With a cipher, only ciphertext reaches the disk
 * (the sha256 and size are still those of the plain model); plain artifacts written before encryption was turned on
 * stay readable. Error messages name artifacts by id, never by path.
 *
 * @example
 * const artifacts = new FileArtifactStore({ root: join(dataDir, 'artifacts'), cipher });
 * const stored = await artifacts.write(request.body, { maxBytes: 200 * 1024 * 1024, owner: { tenant: 'default', modelId: 7 } });
 * const bytes = await artifacts.read({ ...stored, owner: { tenant: 'default', modelId: 7 } });
 */
export class FileArtifactStore implements ArtifactStore {
  readonly #root: string;
  readonly #cipher: ArtifactCipher | undefined;
  /** Ids being written by this instance; `removeOrphans` leaves their temp files alone. */
  readonly #writing = new Set<string>();

  constructor(options: FileArtifactStoreOptions) {
    this.#root = options.root;
    this.#cipher = options.cipher;
  }

  get encrypted(): boolean {
    return this.#cipher !== undefined;
  }

  async write(source: AsyncIterable<Uint8Array>, options: { maxBytes: number; owner: ArtifactOwner }): Promise<StoredArtifact> {
    const { maxBytes, owner } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}.`);
    const artifactId = newArtifactId();
    const temp = tempPath(this.#root, artifactId);
    this.#writing.add(artifactId);
    try {
      await mkdir(dirname(temp), { recursive: true });
      const sealing = this.#cipher?.seal(owner, artifactId);
      const { sha256, sizeBytes, envelope } = await streamToFile(source, temp, maxBytes, sealing);
      await this.#moveIntoPlace(temp, artifactPath(this.#root, artifactId));
      return { artifactId, sha256, sizeBytes, envelope };
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw translateStorageError(error, `Artifact ${artifactId} could not be written`);
    } finally {
      this.#writing.delete(artifactId);
    }
  }

  async read(locator: ArtifactLocator): Promise<Uint8Array> {
    const { artifactId, sha256: expectedSha256, envelope, owner } = locator;
    const path = artifactPath(this.#root, artifactId);
    if (envelope !== null && this.#cipher === undefined) {
      fail('MASTER_KEY_REQUIRED', `Artifact ${artifactId} is encrypted and this server has no master key: `
        + 'start it with the master key the artifact was sealed with.');
    }
    let stored: Buffer;
    try {
      stored = await readFile(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw translateStorageError(error, `Artifact ${artifactId} could not be read`);
      return fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} is missing from the data folder: restore the data folder from a backup or upload the model again.`);
    }
    const bytes = envelope === null || this.#cipher === undefined ? stored : this.#cipher.open(stored, envelope, owner, artifactId);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== String(expectedSha256).toLowerCase()) {
      fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} has sha256 ${actual}, expected ${expectedSha256}: the file was damaged; `
        + 'restore it from a backup or upload the model again.');
    }
    return bytes;
  }

  async delete(artifactId: string): Promise<void> {
    const path = artifactPath(this.#root, artifactId);
    await rm(path, { force: true }).catch((error: unknown) => { throw translateStorageError(error, `Artifact ${artifactId} could not be deleted`); });
  }

  /**
   * Removes every temp file not being written by this instance, and every artifact file whose id is not in
   * `referenced`. Files whose names are not artifact names are left alone. Run it when no upload sits between
   * `write` and its version row (at startup), or a just-written artifact counts as an orphan.
   */
  async removeOrphans(referenced: ReadonlySet<string>): Promise<number> {
    try {
      return await this.#removeOrphans(referenced);
    } catch (error) {
      throw translateStorageError(error, 'Removing orphaned artifacts failed');
    }
  }

  async #removeOrphans(referenced: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const name of await listFolder(join(this.#root, TEMP_FOLDER))) {
      if (this.#writing.has(name.slice(0, 32))) continue;
      await rm(join(this.#root, TEMP_FOLDER, name), { recursive: true, force: true });
      removed += 1;
    }
    for (const shard of await listFolder(this.#root)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await listFolder(join(this.#root, shard))) {
        const artifactId = name.endsWith('.onnx') ? name.slice(0, -'.onnx'.length) : '';
        if (!ARTIFACT_ID_PATTERN.test(artifactId) || !artifactId.startsWith(shard) || referenced.has(artifactId)) continue;
        await rm(artifactPath(this.#root, artifactId), { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async #moveIntoPlace(temp: string, destination: string): Promise<void> {
    const folder = dirname(destination);
    const created = await mkdir(folder, { recursive: true });
    if (created !== undefined) await syncFolder(this.#root);
    await rename(temp, destination);
    await syncFolder(folder);
  }
}

/**
 * Streams `source` into a new file at `path`, hashing and counting the plain bytes; abandons the source past
 * `maxBytes`. With a sealing, only its ciphertext is written, and its envelope is returned.
 */
async function streamToFile(source: AsyncIterable<Uint8Array>, path: string, maxBytes: number, sealing: ArtifactSealing | undefined):
  Promise<{ sha256: string; sizeBytes: number; envelope: string | null }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let envelope: string | null = null;
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'wx');
    for await (const chunk of source) {
      sizeBytes += chunk.byteLength;
      if (sizeBytes > maxBytes) {
        abandon(source);
        fail('MODEL_TOO_LARGE', `The model is larger than the limit of ${maxBytes} bytes: upload a smaller model or raise the server's maximum model size.`,
          { maxBytes });
      }
      hash.update(chunk);
      for (const bytes of sealing ? sealing.update(chunk) : [chunk]) await writeAll(file, bytes);
    }
    if (sealing) {
      const sealed = sealing.final();
      sealing = undefined;
      for (const bytes of sealed.chunks) await writeAll(file, bytes);
      envelope = sealed.envelope;
    }
    await file.sync();
  } finally {
    // An abandoned sealing is finished anyway, only so that it zeroes its data key and buffered plaintext.
    if (sealing) try { sealing.final(); } catch { /* already failing */ }
    await file?.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes, envelope };
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Stops a stream-like source (a request body) from reading further; `for await` also calls its `return()`. */
function abandon(source: AsyncIterable<Uint8Array>): void {
  const destroy = (source as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') destroy.call(source);
}

/** fsyncs a folder so a rename or a new entry in it survives a crash. */
async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

async function listFolder(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Turns a file-system error into a ServingError whose message carries no path: ENOSPC/EDQUOT → STORAGE_FULL, any other
 * error from a system call → INTERNAL naming `what` and the error code. Other errors (ServingErrors, a failing upload
 * stream) pass through unchanged.
 */
function translateStorageError(error: unknown, what: string): unknown {
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ServingError('STORAGE_FULL', 'The data folder has no space left for the model: free disk space or move the data folder to a larger disk.');
  }
  if (typeof (error as { syscall?: unknown } | null)?.syscall !== 'string') return error;
  return new ServingError('INTERNAL', `${what} (${code ?? 'file system error'}): check the data folder's permissions and disk.`);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
