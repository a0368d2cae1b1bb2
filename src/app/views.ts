import type { AliasHistoryEntry, AliasInfo, ModelInfo, VersionInfo } from '../protocol/index.js';
import { splitQualifiedName } from '../core/index.js';
import type { AliasMove, AliasRecord, ModelRecord, ModelStore, VersionRecord } from '../registry/index.js';
import type { LoadedStatus } from '../runtime/index.js';

/** Maps stored records to the API's shapes; internal ids and storage paths never leave the server. */

export function modelView(store: ModelStore, model: ModelRecord): ModelInfo {
  const versions = store.listVersions(model.name);
  const aliases: Record<string, number> = {};
  for (const alias of store.listAliases(model.name)) aliases[alias.name] = alias.version;
  return {
    name: splitQualifiedName(model.name).model,
    tenant: model.tenant,
    visibility: model.visibility,
    sharedWith: model.sharedWith,
    task: model.task,
    description: model.description,
    labels: model.labels,
    preprocess: model.preprocess,
    runtime: model.runtime,
    createdAt: model.createdAt,
    updatedAt: model.updatedAt,
    latestVersion: versions.length > 0 ? versions[versions.length - 1].version : null,
    aliases,
  };
}

/** `loaded`: the version's `runtime.status(key)`, undefined when it is not loaded. */
export function versionView(version: VersionRecord, loaded?: LoadedStatus): VersionInfo {
  return {
    model: splitQualifiedName(version.model).model,
    tenant: splitQualifiedName(version.model).tenant,
    version: version.version,
    sha256: version.sha256,
    sizeBytes: version.sizeBytes,
    state: version.state,
    error: version.error,
    inputs: version.inputs,
    outputs: version.outputs,
    createdAt: version.createdAt,
    loaded: loaded === undefined ? null : {
      state: loaded.state, residentBytes: loaded.residentBytes, loadSeconds: loaded.loadSeconds,
      lastUsedAt: loaded.lastUsedAt === 0 ? null : new Date(loaded.lastUsedAt).toISOString(), pinned: loaded.pinned,
    },
  };
}

/**
 * An alias's ETag: a strong validator built from server values only (the model's id, the alias name and its
 * generation), quoted as in the header.
 *
 * @example aliasEtag(7, 'production', 3) // → '"a7-production-3"'
 */
export function aliasEtag(modelId: number, alias: string, generation: number): string {
  return `"a${modelId}-${alias}-${generation}"`;
}

export function aliasView(modelId: number, alias: AliasRecord): AliasInfo {
  return {
    name: alias.name, version: alias.version, generation: alias.generation,
    etag: aliasEtag(modelId, alias.name, alias.generation), updatedAt: alias.updatedAt,
  };
}

export function aliasMoveView(move: AliasMove): AliasHistoryEntry {
  return {
    alias: move.alias, fromVersion: move.fromVersion, toVersion: move.toVersion, action: move.action,
    actor: move.actor, reason: move.reason, at: move.at,
  };
}
