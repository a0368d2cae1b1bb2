import type { TensorMetadata, VersionState, Visibility } from '../protocol/index.js';
import type { AliasMove, AliasRecord, ModelRecord, ModelRuntimeSettings, TrafficSplit, VersionRecord } from './types.js';

/** Row shapes of the registry tables (see db/registry-migrations.ts) and their mapping to records. */

export interface ModelRow {
  id: number;
  name: string;
  tenant: string;
  visibility: Visibility;
  shared_with_json: string;
  task: string;
  description: string;
  labels_json: string;
  preprocess_json: string;
  runtime_json: string;
  traffic_json: string | null;
  next_version: number;
  created_at: string;
  updated_at: string;
}

export interface VersionRow {
  id: number;
  model_id: number;
  model_name: string;
  version: number;
  sha256: string;
  size_bytes: number;
  artifact_id: string | null;
  state: VersionState;
  error: string | null;
  inputs_json: string;
  outputs_json: string;
  created_at: string;
  encryption_json: string | null;
}

export interface AliasRow {
  name: string;
  version: number;
  previous_json: string;
  generation: number;
  updated_at: string;
}

export interface AliasHistoryRow {
  alias: string;
  from_version: number | null;
  to_version: number | null;
  action: AliasMove['action'];
  actor: string;
  reason: string;
  at: string;
}

/** Columns of `versions` with the model name joined in; use as `SELECT ${VERSION_COLUMNS} FROM versions v JOIN models m …`. */
export const VERSION_COLUMNS = `v.id, v.model_id, m.name AS model_name, v.version, v.sha256, v.size_bytes, v.artifact_id,
  v.state, v.error, v.inputs_json, v.outputs_json, v.created_at, v.encryption_json`;

export function toModelRecord(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    visibility: row.visibility,
    sharedWith: JSON.parse(row.shared_with_json) as string[],
    task: row.task,
    description: row.description,
    labels: JSON.parse(row.labels_json) as string[],
    preprocess: JSON.parse(row.preprocess_json) as Record<string, unknown>,
    runtime: JSON.parse(row.runtime_json) as ModelRuntimeSettings,
    traffic: row.traffic_json === null ? null : JSON.parse(row.traffic_json) as TrafficSplit,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toVersionRecord(row: VersionRow): VersionRecord {
  return {
    id: row.id,
    modelId: row.model_id,
    model: row.model_name,
    version: row.version,
    sha256: row.sha256,
    sizeBytes: row.size_bytes,
    artifactId: row.artifact_id,
    state: row.state,
    error: row.error,
    inputs: JSON.parse(row.inputs_json) as TensorMetadata[],
    outputs: JSON.parse(row.outputs_json) as TensorMetadata[],
    createdAt: row.created_at,
    envelope: row.encryption_json,
  };
}

export function toAliasRecord(row: AliasRow): AliasRecord {
  return { name: row.name, version: row.version, generation: row.generation, updatedAt: row.updated_at };
}

export function toAliasMove(row: AliasHistoryRow): AliasMove {
  return {
    alias: row.alias, fromVersion: row.from_version, toVersion: row.to_version, action: row.action,
    actor: row.actor, reason: row.reason, at: row.at,
  };
}

/** Reads an alias's rollback stack (version numbers, most recent last). */
export function parseStack(row: AliasRow): number[] {
  return JSON.parse(row.previous_json) as number[];
}
