import { assertAliasName, assertModelName, fail, splitQualifiedName } from '../core/index.js';
import type { SqlDatabase } from '../db/index.js';
import { popTarget, pushTarget } from './alias-stack.js';
import {
  type AliasHistoryRow, type AliasRow, type ModelRow, type VersionRow,
  VERSION_COLUMNS, parseStack, toAliasMove, toAliasRecord, toModelRecord, toVersionRecord,
} from './registry-rows.js';
import type {
  AliasMove, AliasMoveOptions, AliasRecord, ModelPatch, ModelRecord, ModelStore, NewModel, NewVersion, TrafficSplit, VersionOutcome,
  VersionRecord,
} from './types.js';

export interface SqliteModelStoreOptions {
  /** A connection on which `REGISTRY_MIGRATIONS` have been run. */
  db: SqlDatabase;
  /** Clock for the ISO-8601 timestamps; defaults to `() => new Date()`. */
  now?: () => Date;
}

const SELECT_VERSION = `SELECT ${VERSION_COLUMNS} FROM versions v JOIN models m ON m.id = v.model_id`;

/**
 * `ModelStore` over SQLite. Writes that read-then-write run in one `BEGIN IMMEDIATE` transaction, so two requests
 * never allocate the same version number or lose an alias move, and an alias move's precondition (its expected
 * generation) is checked against the row it then changes.
 *
 * @example
 * const db = openDatabase(file); runMigrations(db, REGISTRY_MIGRATIONS);
 * const store = new SqliteModelStore({ db });
 */
export class SqliteModelStore implements ModelStore {
  readonly #db: SqlDatabase;
  readonly #now: () => Date;

  constructor(options: SqliteModelStoreOptions) {
    this.#db = options.db;
    this.#now = options.now ?? (() => new Date());
  }

  createModel(model: NewModel): ModelRecord {
    const { tenant, model: bare } = splitQualifiedName(model.name);
    assertModelName(bare);
    if (tenant !== model.tenant) throw new RangeError(`Model ${model.name} does not belong to tenant ${model.tenant}.`);
    return this.#db.immediate(() => {
      if (this.getModel(model.name)) fail('MODEL_EXISTS', `Model "${model.name}" already exists: pick another name or upload a new version to it.`);
      const at = this.#timestamp();
      this.#db.prepare(`INSERT INTO models (name, tenant, visibility, shared_with_json, task, description, labels_json,
        preprocess_json, runtime_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(model.name,
        model.tenant, model.visibility ?? 'private', JSON.stringify(model.sharedWith ?? []), model.task, model.description,
        JSON.stringify(model.labels), JSON.stringify(model.preprocess), JSON.stringify(model.runtime), at, at);
      return this.#requireModel(model.name);
    });
  }

  getModel(name: string): ModelRecord | undefined {
    const row = this.#modelRow(name);
    return row && toModelRecord(row);
  }

  listModels(): ModelRecord[] {
    return this.#db.prepare<ModelRow>('SELECT * FROM models ORDER BY name').all().map(toModelRecord);
  }

  updateModel(name: string, patch: ModelPatch): ModelRecord {
    return this.#db.immediate(() => {
      const current = this.#requireModel(name);
      const next = { ...current, ...definedFields(patch) };
      this.#db.prepare(`UPDATE models SET task = ?, description = ?, labels_json = ?, preprocess_json = ?, runtime_json = ?,
        visibility = ?, shared_with_json = ?, updated_at = ? WHERE id = ?`).run(next.task, next.description,
        JSON.stringify(next.labels), JSON.stringify(next.preprocess), JSON.stringify(next.runtime), next.visibility,
        JSON.stringify(next.sharedWith), this.#timestamp(), current.id);
      return this.#requireModel(name);
    });
  }

  deleteModel(name: string): string[] {
    return this.#db.immediate(() => {
      const model = this.#requireModel(name);
      const artifactIds = this.#db.prepare<{ artifact_id: string }>(
        'SELECT artifact_id FROM versions WHERE model_id = ? AND artifact_id IS NOT NULL ORDER BY version').all(model.id);
      this.#db.prepare('DELETE FROM models WHERE id = ?').run(model.id);
      return artifactIds.map((row) => row.artifact_id);
    });
  }

  setTraffic(name: string, traffic: TrafficSplit | null): ModelRecord {
    return this.#db.immediate(() => {
      const current = this.#requireModelRow(name);
      this.#db.prepare('UPDATE models SET traffic_json = ?, updated_at = ? WHERE id = ?')
        .run(traffic === null ? null : JSON.stringify(traffic), this.#timestamp(), current.id);
      return this.#requireModel(name);
    });
  }

  createVersion(model: string, version: NewVersion): VersionRecord {
    return this.#db.immediate(() => {
      const row = this.#requireModelRow(model);
      this.#db.prepare('UPDATE models SET next_version = next_version + 1 WHERE id = ?').run(row.id);
      this.#db.prepare(`INSERT INTO versions (model_id, version, sha256, size_bytes, artifact_id, state, error,
        inputs_json, outputs_json, created_at, encryption_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(row.id,
        row.next_version, version.sha256, version.sizeBytes, version.artifactId, version.state, version.error,
        JSON.stringify(version.inputs), JSON.stringify(version.outputs), this.#timestamp(), version.envelope);
      return this.#requireVersion(model, row.next_version);
    });
  }

  finishVersion(model: string, version: number, outcome: VersionOutcome): VersionRecord {
    return this.#db.immediate(() => {
      const current = this.#requireVersion(model, version);
      const inputs = outcome.inputs ?? current.inputs;
      const outputs = outcome.outputs ?? current.outputs;
      const artifactId = outcome.artifactId === undefined ? current.artifactId : outcome.artifactId;
      this.#db.prepare('UPDATE versions SET state = ?, error = ?, inputs_json = ?, outputs_json = ?, artifact_id = ? WHERE id = ?')
        .run(outcome.state, outcome.error, JSON.stringify(inputs), JSON.stringify(outputs), artifactId, current.id);
      return this.#requireVersion(model, version);
    });
  }

  getVersion(model: string, version: number): VersionRecord | undefined {
    const row = this.#db.prepare<VersionRow>(`${SELECT_VERSION} WHERE v.model_id = ? AND v.version = ?`)
      .get(this.#requireModelRow(model).id, version);
    return row && toVersionRecord(row);
  }

  listVersions(model: string): VersionRecord[] {
    return this.#db.prepare<VersionRow>(`${SELECT_VERSION} WHERE v.model_id = ? ORDER BY v.version`)
      .all(this.#requireModelRow(model).id).map(toVersionRecord);
  }

  deleteVersion(model: string, version: number): VersionRecord {
    return this.#db.immediate(() => {
      const record = this.#requireVersion(model, version);
      const aliases = this.#db.prepare<{ name: string }>('SELECT name FROM aliases WHERE model_id = ? AND version = ? ORDER BY name')
        .all(record.modelId, version).map((row) => row.name);
      if (aliases.length > 0) {
        const names = aliases.map((name) => `"${name}"`).join(', ');
        fail('VERSION_IN_USE', `Version ${version} of model "${model}" is the target of alias ${names}: move or delete the alias first.`,
          { aliases });
      }
      this.#db.prepare('DELETE FROM versions WHERE id = ?').run(record.id);
      return record;
    });
  }

  latestReadyVersion(model: string): VersionRecord | undefined {
    const row = this.#db.prepare<VersionRow>(`${SELECT_VERSION} WHERE v.model_id = ? AND v.state = 'READY'
      ORDER BY v.version DESC LIMIT 1`).get(this.#requireModelRow(model).id);
    return row && toVersionRecord(row);
  }

  listInterruptedVersions(): VersionRecord[] {
    return this.#db.prepare<VersionRow>(`${SELECT_VERSION} WHERE v.state = 'VALIDATING' ORDER BY m.name, v.version`)
      .all().map(toVersionRecord);
  }

  purgeVersion(model: string, version: number): void {
    this.#db.prepare('DELETE FROM versions WHERE model_id = ? AND version = ?').run(this.#requireModelRow(model).id, version);
  }

  listAliases(model: string): AliasRecord[] {
    return this.#db.prepare<AliasRow>('SELECT * FROM aliases WHERE model_id = ? ORDER BY name')
      .all(this.#requireModelRow(model).id).map(toAliasRecord);
  }

  getAlias(model: string, alias: string): AliasRecord | undefined {
    const row = this.#aliasRow(this.#requireModelRow(model).id, alias);
    return row && toAliasRecord(row);
  }

  setAlias(model: string, alias: string, version: number, options: AliasMoveOptions): AliasRecord {
    assertAliasName(alias);
    const move = checkMoveOptions(options);
    return this.#db.immediate(() => {
      const modelId = this.#requireModelRow(model).id;
      const current = this.#aliasRow(modelId, alias);
      checkPrecondition(model, alias, current, move.expectedGeneration);
      const target = this.#requireVersion(model, version);
      if (target.state !== 'READY') {
        fail('VERSION_NOT_READY', `Version ${version} of model "${model}" is ${target.state}, not READY: point alias "${alias}" at a READY version.`);
      }
      if (current?.version === version) return toAliasRecord(current);
      const stack = current ? pushTarget(parseStack(current), current.version) : [];
      const generation = current ? current.generation + 1 : this.#firstGeneration(modelId, alias);
      this.#writeAlias(modelId, alias, version, stack, generation);
      this.#recordMove(modelId, alias, current?.version ?? null, version, 'set', move);
      return toAliasRecord(this.#aliasRow(modelId, alias) as AliasRow);
    });
  }

  rollbackAlias(model: string, alias: string, options: AliasMoveOptions): AliasRecord {
    const move = checkMoveOptions(options);
    return this.#db.immediate(() => {
      const modelId = this.#requireModelRow(model).id;
      checkPrecondition(model, alias, this.#aliasRow(modelId, alias), move.expectedGeneration);
      const current = this.#requireAlias(model, modelId, alias);
      const popped = popTarget(parseStack(current), current.version, (version) => this.getVersion(model, version)?.state === 'READY');
      if (!popped) {
        fail('NO_PREVIOUS_TARGET', `Alias "${alias}" of model "${model}" has no earlier READY version to roll back to: set it with an explicit version instead.`);
      }
      this.#writeAlias(modelId, alias, popped.target, popped.rest, current.generation + 1);
      this.#recordMove(modelId, alias, current.version, popped.target, 'rollback', move);
      return toAliasRecord(this.#aliasRow(modelId, alias) as AliasRow);
    });
  }

  deleteAlias(model: string, alias: string, options: AliasMoveOptions): void {
    const move = checkMoveOptions(options);
    this.#db.immediate(() => {
      const modelId = this.#requireModelRow(model).id;
      checkPrecondition(model, alias, this.#aliasRow(modelId, alias), move.expectedGeneration);
      const current = this.#requireAlias(model, modelId, alias);
      this.#db.prepare('DELETE FROM aliases WHERE model_id = ? AND name = ?').run(modelId, alias);
      this.#recordMove(modelId, alias, current.version, null, 'delete', move);
    });
  }

  aliasHistory(model: string, alias: string): AliasMove[] {
    return this.#db.prepare<AliasHistoryRow>(`SELECT alias, from_version, to_version, action, actor, reason, at FROM alias_history
      WHERE model_id = ? AND alias = ? ORDER BY id`).all(this.#requireModelRow(model).id, alias).map(toAliasMove);
  }

  referencedArtifactIds(): Set<string> {
    const rows = this.#db.prepare<{ artifact_id: string }>('SELECT DISTINCT artifact_id FROM versions WHERE artifact_id IS NOT NULL').all();
    return new Set(rows.map((row) => row.artifact_id));
  }

  listSealedVersions(): VersionRecord[] {
    return this.#db.prepare<VersionRow>(`${SELECT_VERSION} WHERE v.encryption_json IS NOT NULL ORDER BY v.id`).all().map(toVersionRecord);
  }

  replaceEnvelopes(updates: ReadonlyArray<{ versionId: number; envelope: string }>): void {
    this.#db.immediate(() => {
      const update = this.#db.prepare('UPDATE versions SET encryption_json = ? WHERE id = ? AND encryption_json IS NOT NULL');
      for (const { versionId, envelope } of updates) {
        if (update.run(envelope, versionId).changes !== 1) throw new RangeError(`Version row ${versionId} has no envelope to replace.`);
      }
    });
  }

  #timestamp(): string {
    return this.#now().toISOString();
  }

  #modelRow(name: string): ModelRow | undefined {
    return this.#db.prepare<ModelRow>('SELECT * FROM models WHERE name = ?').get(name);
  }

  #requireModelRow(name: string): ModelRow {
    return this.#modelRow(name) ?? fail('MODEL_NOT_FOUND', `Model "${name}" does not exist: create it first or check the name.`);
  }

  #requireModel(name: string): ModelRecord {
    return toModelRecord(this.#requireModelRow(name));
  }

  #requireVersion(model: string, version: number): VersionRecord {
    return this.getVersion(model, version)
      ?? fail('VERSION_NOT_FOUND', `Model "${model}" has no version ${version}: list its versions to pick an existing one.`);
  }

  #aliasRow(modelId: number, alias: string): AliasRow | undefined {
    return this.#db.prepare<AliasRow>('SELECT * FROM aliases WHERE model_id = ? AND name = ?').get(modelId, alias);
  }

  #requireAlias(model: string, modelId: number, alias: string): AliasRow {
    return this.#aliasRow(modelId, alias)
      ?? fail('ALIAS_NOT_FOUND', `Model "${model}" has no alias "${alias}": list its aliases or set this one first.`);
  }

  #writeAlias(modelId: number, alias: string, version: number, stack: number[], generation: number): void {
    this.#db.prepare(`INSERT INTO aliases (model_id, name, version, previous_json, generation, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (model_id, name) DO UPDATE SET version = excluded.version, previous_json = excluded.previous_json,
      generation = excluded.generation, updated_at = excluded.updated_at`)
      .run(modelId, alias, version, JSON.stringify(stack), generation, this.#timestamp());
  }

  /**
   * The generation of a newly created alias: 1 the first time; after a delete, one more than the set and rollback
   * moves it ever made, which is above every generation it had, so an ETag read before the delete never matches.
   */
  #firstGeneration(modelId: number, alias: string): number {
    const row = this.#db.prepare<{ n: number }>(`SELECT count(*) AS n FROM alias_history
      WHERE model_id = ? AND alias = ? AND action IN ('set', 'rollback')`).get(modelId, alias);
    return (row?.n ?? 0) + 1;
  }

  #recordMove(modelId: number, alias: string, from: number | null, to: number | null, action: AliasMove['action'],
    move: Required<Pick<AliasMoveOptions, 'actor' | 'reason'>>): void {
    this.#db.prepare(`INSERT INTO alias_history (model_id, alias, from_version, to_version, action, actor, reason, at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(modelId, alias, from, to, action, move.actor, move.reason, this.#timestamp());
  }
}

/** Validates the attribution of a move (a programming error when wrong) and fills in the default reason. */
function checkMoveOptions(options: AliasMoveOptions): AliasMoveOptions & { reason: string } {
  if (typeof options?.actor !== 'string' || options.actor.length === 0) {
    throw new RangeError('An alias move needs an actor (key:<keyId>, system:seed, …).');
  }
  const expected = options.expectedGeneration;
  if (expected !== undefined && expected !== '*' && !Number.isSafeInteger(expected)) {
    throw new RangeError(`expectedGeneration must be an integer or '*', got ${String(expected)}.`);
  }
  return { ...options, reason: options.reason ?? '' };
}

/** Refuses the move when the caller expected the alias at another generation, or expected it to exist. */
function checkPrecondition(model: string, alias: string, current: AliasRow | undefined, expected: AliasMoveOptions['expectedGeneration']): void {
  if (expected === undefined) return;
  if (current === undefined) {
    fail('PRECONDITION_FAILED', `Alias "${alias}" of model "${model}" does not exist (it was deleted or never set): read its aliases again before changing it.`,
      { generation: null });
  }
  if (expected !== '*' && current.generation !== expected) {
    fail('PRECONDITION_FAILED', `Alias "${alias}" of model "${model}" was moved since it was read (now at generation ${current.generation}): read it again and retry from its current state.`,
      { generation: current.generation });
  }
}

/** Drops `undefined` fields so a patch never blanks a column it does not mention. */
function definedFields(patch: ModelPatch): ModelPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as ModelPatch;
}
