import { fail } from './serving-error.js';

/** Model names: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Alias names start with a letter, so they can never be mistaken for a version number. */
export const ALIAS_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** Tenant names: lower-case letters, digits and '-', starting with a letter, 2 to 32 characters. */
export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;

/**
 * Words that appear as fixed path segments after a model in routes (`/v2/models/{tenant}/{model}` against
 * `/v2/models/{model}/ready`…). Neither tenants nor models may take them, so a path always has one reading.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'versions', 'aliases', 'infer', 'ready', 'stats', 'load', 'unload', 'index', 'traffic', 'shadow', 'canary',
  'optimize', 'lineage', 'status', 'models', 'tenants', 'keys', 'usage', 'audit', 'jobs', 'api', 'v2', 'health',
  'predictions', 'metrics', 'docs', 'repository', 'rollback', 'history',
]);

/** Every model belongs to a tenant; its qualified name is `tenant/model`. */
export function qualifiedName(tenant: string, model: string): string {
  return `${tenant}/${model}`;
}

/** Splits a qualified name `tenant/model` (no checks: it was built by the server). */
export function splitQualifiedName(qualified: string): { tenant: string; model: string } {
  const slash = qualified.indexOf('/');
  return { tenant: qualified.slice(0, slash), model: qualified.slice(slash + 1) };
}

export function assertTenantName(name: unknown): string {
  if (typeof name !== 'string' || !TENANT_NAME_PATTERN.test(name) || RESERVED_NAMES.has(name)) {
    fail('INVALID_TENANT_NAME', `Invalid tenant name ${JSON.stringify(String(name).slice(0, 80))}: use ${TENANT_NAME_PATTERN.source}, not a route word.`);
  }
  return name;
}

export function assertModelName(name: unknown): string {
  if (typeof name !== 'string' || !MODEL_NAME_PATTERN.test(name) || name === '.' || name === '..' || RESERVED_NAMES.has(name)) {
    fail('INVALID_MODEL_NAME', `Invalid model name ${JSON.stringify(String(name).slice(0, 80))}: use ${MODEL_NAME_PATTERN.source}.`);
  }
  return name;
}

export function assertAliasName(name: unknown): string {
  if (typeof name !== 'string' || !ALIAS_NAME_PATTERN.test(name)) {
    fail('INVALID_ALIAS_NAME', `Invalid alias name ${JSON.stringify(String(name).slice(0, 80))}: use ${ALIAS_NAME_PATTERN.source}.`);
  }
  return name;
}

/** A version reference in a path: a positive integer, or an alias name. */
export type VersionRef = { kind: 'number'; version: number } | { kind: 'alias'; alias: string };

export function parseVersionRef(text: string): VersionRef {
  if (/^[1-9][0-9]{0,8}$/.test(text)) return { kind: 'number', version: Number(text) };
  if (ALIAS_NAME_PATTERN.test(text)) return { kind: 'alias', alias: text };
  return fail('INVALID_VERSION', `Invalid version ${JSON.stringify(text.slice(0, 80))}: use a positive integer or an alias name.`);
}
