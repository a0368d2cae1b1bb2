import type { ArtifactCipher } from './cipher-types.js';
import { MAX_CHUNK_SIZE } from './artifact-format.js';
import { assertMasterKey, type MasterKey } from './master-key.js';
import { openArtifact } from './open-artifact.js';
import { sealArtifact } from './seal-artifact.js';

/** Plain bytes per encrypted chunk unless told otherwise: 1 MiB. */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

export interface ArtifactCipherOptions {
  /** Plain bytes per chunk for new artifacts (default 1 MiB, at most 64 MiB). Reading uses the size in each file's header. */
  chunkSize?: number;
}

/**
 * The AES-256-GCM envelope cipher for model artifacts: a fresh data key per artifact encrypts it in chunks, and the
 * data key is wrapped under `master` into the envelope the registry keeps. Its shape is the registry's
 * `ArtifactCipher`; hand it to the artifact store.
 *
 * @example
 * const cipher = createArtifactCipher(parseMasterKey(config.masterKey));
 * const artifacts = new FileArtifactStore({ root, cipher });
 */
export function createArtifactCipher(master: MasterKey, options: ArtifactCipherOptions = {}): ArtifactCipher {
  assertMasterKey(master);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer from 1 to ${MAX_CHUNK_SIZE}, got ${chunkSize}.`);
  }
  return {
    seal: (owner, artifactId) => sealArtifact(master, chunkSize, owner, artifactId),
    open: (stored, envelope, owner, artifactId) => openArtifact(master, stored, envelope, owner, artifactId),
  };
}
