import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ServingError, fail } from '../core/index.js';
import { ARTIFACT_ID_PATTERN, TEMP_FOLDER, artifactPath, newArtifactId, tempPath } from './artifact-path.js';
import type { ArtifactStore, StoredArtifact } from './types.js';

export interface FileArtifactStoreOptions {
  /** Folder that holds the artifacts, e.g. `<data>/artifacts`; created on first write. */
  root: string;
}

/**
 * `ArtifactStore` on the local file system. Files live at `<root>/<id[0..1]>/<id>.onnx` under server-made ids;
 * writes stream into `<root>/tmp/` while hashing, then fsync → rename → fsync of the folder, so a crash leaves either
 * the whole file or only a temp file that `removeOrphans` cleans up.
 *
 * @example
 * const artifacts = new FileArtifactStore({ root: join(dataDir, 'artifacts') });
 * const stored = await artifacts.write(request.body, { maxBytes: 200 * 1024 * 1024 });
 */
export class FileArtifactStore implements ArtifactStore {
  readonly #root: string;
  /** Ids being written by this instance; `removeOrphans` leaves their temp files alone. */
  readonly #writing = new Set<string>();

  constructor(options: FileArtifactStoreOptions) {
    this.#root = options.root;
  }

  async write(source: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StoredArtifact> {
    const { maxBytes } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}.`);
    const artifactId = newArtifactId();
    const temp = tempPath(this.#root, artifactId);
    this.#writing.add(artifactId);
    try {
      await mkdir(dirname(temp), { recursive: true });
      const { sha256, sizeBytes } = await streamToFile(source, temp, maxBytes);
      await this.#moveIntoPlace(temp, artifactPath(this.#root, artifactId));
      return { artifactId, sha256, sizeBytes };
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw translateStorageError(error);
    } finally {
      this.#writing.delete(artifactId);
    }
  }

  async read(artifactId: string, expectedSha256: string): Promise<Uint8Array> {
    const path = artifactPath(this.#root, artifactId);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      return fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} is missing from ${path}: restore the data folder from a backup or upload the model again.`);
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expectedSha256.toLowerCase()) {
      fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} has sha256 ${actual}, expected ${expectedSha256}: the file was damaged; restore it from a backup or upload the model again.`);
    }
    return bytes;
  }

  async delete(artifactId: string): Promise<void> {
    await rm(artifactPath(this.#root, artifactId), { force: true });
  }

  /**
   * Removes every temp file not being written by this instance, and every artifact file whose id is not in
   * `referenced`. Files whose names are not artifact names are left alone. Run it when no upload sits between
   * `write` and its version row (at startup), or a just-written artifact counts as an orphan.
   */
  async removeOrphans(referenced: ReadonlySet<string>): Promise<number> {
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

/** Streams `source` into a new file at `path`, hashing and counting; abandons the source past `maxBytes`. */
async function streamToFile(source: AsyncIterable<Uint8Array>, path: string, maxBytes: number): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const file = await open(path, 'wx');
  try {
    for await (const chunk of source) {
      sizeBytes += chunk.byteLength;
      if (sizeBytes > maxBytes) {
        abandon(source);
        fail('MODEL_TOO_LARGE', `The model is larger than the limit of ${maxBytes} bytes: upload a smaller model or raise the server's maximum model size.`,
          { maxBytes });
      }
      hash.update(chunk);
      await writeAll(file, chunk);
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes };
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

function translateStorageError(error: unknown): unknown {
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ServingError('STORAGE_FULL', 'The data folder has no space left for the model: free disk space or move the data folder to a larger disk.');
  }
  return error;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
