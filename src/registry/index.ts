export type {
  ModelRecord, NewModel, ModelPatch, VersionRecord, NewVersion, VersionOutcome, AliasRecord, AliasMove,
  ModelStore, StoredArtifact, ArtifactStore, ArtifactOwner, ArtifactLocator, ArtifactCipher, ArtifactSealing, Visibility, TrafficSplit,
} from './types.js';
export { SqliteModelStore } from './sqlite-model-store.js';
export { CachingModelStore } from './caching-model-store.js';
export type { SqliteModelStoreOptions } from './sqlite-model-store.js';
export { FileArtifactStore } from './file-artifact-store.js';
export type { FileArtifactStoreOptions } from './file-artifact-store.js';
export { resolveVersion, DEFAULT_ALIAS } from './resolve-version.js';
export { ARTIFACT_ID_PATTERN } from './artifact-path.js';
export { lockDataDir, type DataDirLock } from './data-dir-lock.js';
export { ROLLBACK_DEPTH } from './alias-stack.js';
