import type { ModelRuntimeSettings, TensorMetadata, TrafficSplit, VersionState, Visibility } from '../protocol/index.js';

export type { ModelRuntimeSettings, TrafficSplit, Visibility };

/**
 * A model as stored. `name` is the qualified name `tenant/model`, unique server-wide, so every lookup is scoped to a
 * tenant by construction. `id` is the server's own id; storage never uses the client-chosen name.
 */
export interface ModelRecord {
  id: number;
  name: string;
  tenant: string;
  visibility: Visibility;
  /** Tenants a `shared` model is shared with. */
  sharedWith: string[];
  task: string;
  description: string;
  labels: string[];
  preprocess: Record<string, unknown>;
  runtime: ModelRuntimeSettings;
  /** The traffic split of requests that name no version; null when the model has none. */
  traffic: TrafficSplit | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewModel {
  /** Qualified `tenant/model`; the tenant part must equal `tenant`. */
  name: string;
  tenant: string;
  visibility?: Visibility;
  sharedWith?: string[];
  task: string;
  description: string;
  labels: string[];
  preprocess: Record<string, unknown>;
  runtime: ModelRuntimeSettings;
}


export type ModelPatch = Partial<Omit<NewModel, 'name' | 'tenant'>>;

/** One immutable version of a model. `artifactId` is null once the bytes were refused or removed. */
export interface VersionRecord {
  id: number;
  modelId: number;
  model: string;
  version: number;
  sha256: string;
  sizeBytes: number;
  artifactId: string | null;
  state: VersionState;
  error: string | null;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  createdAt: string;
  /** Sealed data key of an encrypted artifact; null when the file is plain. */
  envelope: string | null;
}

export interface NewVersion {
  sha256: string;
  sizeBytes: number;
  artifactId: string | null;
  state: VersionState;
  error: string | null;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  envelope: string | null;
}

export interface VersionOutcome {
  state: VersionState;
  error: string | null;
  inputs?: TensorMetadata[];
  outputs?: TensorMetadata[];
  /** Set to null to record that the bytes were dropped (refused uploads). */
  artifactId?: string | null;
}

export interface AliasRecord {
  name: string;
  version: number;
  /**
   * Counts the alias's moves: 1 when it is first created, +1 on every set that changes the target and every
   * rollback. A re-created alias (after a delete) continues above every generation it had before, so a value read
   * earlier never matches again.
   */
  generation: number;
  updatedAt: string;
}

export interface AliasMove {
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  action: 'set' | 'rollback' | 'delete';
  /** Who or what moved it: `key:<keyId>`, `system:seed`, `system:auto-rollback`, `system:auto-promote`…; `unknown` before migration 4. */
  actor: string;
  /** Why, as given by the actor; empty when none was given. */
  reason: string;
  at: string;
}

/** Attribution and precondition of one alias move (set, rollback, delete). */
export interface AliasMoveOptions {
  /** Who or what moves the alias, recorded in its history: `key:<keyId>`, `system:seed`, … Must not be empty. */
  actor: string;
  /** Why, recorded in the history; defaults to an empty string. */
  reason?: string;
  /**
   * The move happens only when the alias is at this generation, checked inside the move's transaction; otherwise
   * PRECONDITION_FAILED (details: `{ generation }`, the current one, null when the alias does not exist). `'*'`:
   * only when the alias exists. Absent: unconditional.
   */
  expectedGeneration?: number | '*';
}

/**
 * Models, versions and aliases. Every method is synchronous (SQLite) and throws ServingError with a catalogue code:
 * MODEL_EXISTS, MODEL_NOT_FOUND, VERSION_NOT_FOUND, ALIAS_NOT_FOUND, VERSION_NOT_READY, VERSION_IN_USE,
 * NO_PREVIOUS_TARGET, PRECONDITION_FAILED.
 */
export interface ModelStore {
  createModel(model: NewModel): ModelRecord;
  getModel(name: string): ModelRecord | undefined;
  listModels(): ModelRecord[];
  updateModel(name: string, patch: ModelPatch): ModelRecord;
  /** Deletes the model with its versions, aliases and history; returns the artifact ids to remove. */
  deleteModel(name: string): string[];
  /**
   * Replaces the model's traffic split (null removes it) and returns the model. The split is stored as given: the
   * caller validates it (app/traffic.ts); its targets are checked again on every request.
   */
  setTraffic(name: string, traffic: TrafficSplit | null): ModelRecord;

  /** Allocates the next version number (1, 2, 3… per model, never reused) in one transaction. */
  createVersion(model: string, version: NewVersion): VersionRecord;
  finishVersion(model: string, version: number, outcome: VersionOutcome): VersionRecord;
  getVersion(model: string, version: number): VersionRecord | undefined;
  listVersions(model: string): VersionRecord[];
  /** Refuses with VERSION_IN_USE while an alias points at it. Returns the removed record. */
  deleteVersion(model: string, version: number): VersionRecord;
  latestReadyVersion(model: string): VersionRecord | undefined;
  /** Versions left VALIDATING by a crash; the caller removes them and their artifacts. */
  listInterruptedVersions(): VersionRecord[];
  /** Removes a version row without the alias check (crash recovery only). */
  purgeVersion(model: string, version: number): void;

  listAliases(model: string): AliasRecord[];
  getAlias(model: string, alias: string): AliasRecord | undefined;
  /**
   * Points the alias at a READY version; pushes the old target on the alias's rollback stack and records the move
   * with its actor and reason. Setting the current target again changes nothing (no move, same generation). The
   * precondition (`expectedGeneration`) is checked first, in the same transaction as the move.
   */
  setAlias(model: string, alias: string, version: number, options: AliasMoveOptions): AliasRecord;
  /** Moves the alias back to the previous target still present; NO_PREVIOUS_TARGET when none. */
  rollbackAlias(model: string, alias: string, options: AliasMoveOptions): AliasRecord;
  /** Removes the alias (its history stays); ALIAS_NOT_FOUND when missing, PRECONDITION_FAILED first when one was expected. */
  deleteAlias(model: string, alias: string, options: AliasMoveOptions): void;
  /** Every move of the alias, oldest first, with actor and reason. */
  aliasHistory(model: string, alias: string): AliasMove[];

  /** Every artifact id some version row references (for orphan cleanup). */
  referencedArtifactIds(): Set<string>;

  /** Every version with an encrypted artifact (for master-key rotation). */
  listSealedVersions(): VersionRecord[];
  /** Replaces the envelopes of many versions in one transaction (all or none). */
  replaceEnvelopes(updates: ReadonlyArray<{ versionId: number; envelope: string }>): void;
}

export interface StoredArtifact {
  artifactId: string;
  /** SHA-256 of the plain model bytes (identity and integrity, whether or not the file is encrypted). */
  sha256: string;
  /** Size of the plain model bytes. */
  sizeBytes: number;
  /** The sealed data key of an encrypted artifact (opaque JSON text, kept in the version row); null in plain text. */
  envelope: string | null;
}

/** Who owns an artifact; an encrypted artifact is bound to it (with its own id and each chunk's position). */
export interface ArtifactOwner {
  tenant: string;
  modelId: number;
}

/** How to read one artifact back. */
export interface ArtifactLocator {
  artifactId: string;
  sha256: string;
  envelope: string | null;
  owner: ArtifactOwner;
}

/**
 * Encrypts artifacts as they stream to disk and decrypts them into memory. Implemented outside the registry (by the
 * security module) and handed to the artifact store by the composition root.
 */
export interface ArtifactCipher {
  /** Starts sealing one artifact: `update` returns ciphertext ready to write, `final` the rest and the envelope. */
  seal(owner: ArtifactOwner, artifactId: string): ArtifactSealing;
  /** Decrypts a whole stored file; throws ARTIFACT_CORRUPT on any tag, position or key mismatch. */
  open(stored: Uint8Array, envelope: string, owner: ArtifactOwner, artifactId: string): Uint8Array;
}

export interface ArtifactSealing {
  update(plain: Uint8Array): Uint8Array[];
  final(): { chunks: Uint8Array[]; envelope: string };
}

/**
 * Model files on disk under paths built from server ids only.
 * `write` streams to a temp file while hashing, then fsync → rename → fsync of the folder. With a cipher, the file
 * holds ciphertext only; plaintext never touches the disk.
 */
export interface ArtifactStore {
  /** True when new artifacts are written encrypted. */
  readonly encrypted: boolean;
  /** Throws MODEL_TOO_LARGE past `maxBytes` (the temp file is removed), STORAGE_FULL on ENOSPC. */
  write(source: AsyncIterable<Uint8Array>, options: { maxBytes: number; owner: ArtifactOwner }): Promise<StoredArtifact>;
  /**
   * Reads the whole file (decrypting it in memory when it has an envelope) and checks its sha256. ARTIFACT_CORRUPT on
   * a mismatch, a failed tag or a missing file; MASTER_KEY_REQUIRED for an encrypted artifact without a cipher.
   */
  read(locator: ArtifactLocator): Promise<Uint8Array>;
  delete(artifactId: string): Promise<void>;
  /** Removes temp files and artifacts no row references; returns how many files were removed. */
  removeOrphans(referenced: ReadonlySet<string>): Promise<number>;
}
