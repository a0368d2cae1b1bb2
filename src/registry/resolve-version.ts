import { fail, type VersionRef } from '../core/index.js';
import type { ModelStore, VersionRecord } from './types.js';

/** The alias a request without a version is served from, when the model has it. */
export const DEFAULT_ALIAS = 'production';

/**
 * Finds the version a request means:
 * - no `ref` → the target of the `production` alias if set, else the highest READY version, else NO_READY_VERSION;
 * - a number → that version, else VERSION_NOT_FOUND;
 * - an alias → its target, else ALIAS_NOT_FOUND (VERSION_NOT_FOUND if the target no longer exists).
 * An unknown model is MODEL_NOT_FOUND. The record is returned whatever its state; a numbered version may be
 * VALIDATING or FAILED, and the caller decides whether it can be served.
 *
 * @example resolveVersion(store, 'resnet', parseVersionRef('staging'))
 */
export function resolveVersion(store: ModelStore, model: string, ref?: VersionRef): VersionRecord {
  if (!store.getModel(model)) fail('MODEL_NOT_FOUND', `Model "${model}" does not exist: create it first or check the name.`);
  if (ref === undefined) return resolveDefault(store, model);
  if (ref.kind === 'number') return requireVersion(store, model, ref.version);
  return resolveAlias(store, model, ref.alias);
}

function resolveDefault(store: ModelStore, model: string): VersionRecord {
  if (store.getAlias(model, DEFAULT_ALIAS)) return resolveAlias(store, model, DEFAULT_ALIAS);
  return store.latestReadyVersion(model)
    ?? fail('NO_READY_VERSION', `Model "${model}" has no READY version: upload one, or wait for validation to finish.`);
}

function resolveAlias(store: ModelStore, model: string, alias: string): VersionRecord {
  const target = store.getAlias(model, alias)
    ?? fail('ALIAS_NOT_FOUND', `Model "${model}" has no alias "${alias}": list its aliases or use a version number.`);
  return store.getVersion(model, target.version)
    ?? fail('VERSION_NOT_FOUND', `Alias "${alias}" of model "${model}" points at version ${target.version}, which no longer exists: set the alias again.`);
}

function requireVersion(store: ModelStore, model: string, version: number): VersionRecord {
  return store.getVersion(model, version)
    ?? fail('VERSION_NOT_FOUND', `Model "${model}" has no version ${version}: list its versions to pick an existing one.`);
}
