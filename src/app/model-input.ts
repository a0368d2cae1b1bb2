import { assertTenantName, fail } from '../core/index.js';
import { parsePreprocessFields, resolveLabels } from '../processing/index.js';
import type { Visibility } from '../protocol/index.js';
import type { ModelPatch } from '../registry/index.js';
import { parseRuntimeSettings } from './runtime-settings-input.js';

/**
 * Checks management bodies field by field. Unknown fields are refused (no mass assignment: a client can never set
 * ids, hashes, states or paths).
 */

const MODEL_FIELDS = new Set(['name', 'task', 'description', 'labels', 'preprocess', 'runtime', 'visibility', 'sharedWith']);
const VISIBILITIES: readonly Visibility[] = ['private', 'shared', 'public'];
const MAX_SHARED_TENANTS = 100;

/** A create body: the name as given (bare, or `tenant/model`), and the settings. */
export type CreateModelInput = Required<Omit<ModelPatch, 'visibility' | 'sharedWith'>> & Pick<ModelPatch, 'visibility' | 'sharedWith'> & { name: string };

export function parseCreateModel(body: unknown): CreateModelInput {
  const fields = objectBody(body);
  if (typeof fields.name !== 'string') fail('INVALID_REQUEST', 'Field "name" (string) is required.');
  const patch = parseUpdateModel(Object.fromEntries(Object.entries(fields).filter(([key]) => key !== 'name')));
  return {
    name: fields.name,
    task: patch.task ?? 'generic',
    description: patch.description ?? '',
    labels: patch.labels ?? [],
    preprocess: patch.preprocess ?? {},
    runtime: patch.runtime ?? {},
    visibility: patch.visibility,
    sharedWith: patch.sharedWith,
  };
}

export function parseUpdateModel(body: unknown): ModelPatch {
  const fields = objectBody(body);
  if ('name' in fields) fail('INVALID_REQUEST', 'A model cannot be renamed; create a new model instead.');
  const out: ModelPatch = {};
  if (fields.task !== undefined) out.task = text(fields.task, 'task', 64);
  if (fields.description !== undefined) out.description = text(fields.description, 'description', 4096);
  if (fields.labels !== undefined) out.labels = labels(fields.labels);
  if (fields.preprocess !== undefined) {
    out.preprocess = plainObject(fields.preprocess, 'preprocess');
    parsePreprocessFields(out.preprocess);
  }
  if (fields.runtime !== undefined) out.runtime = parseRuntimeSettings(fields.runtime);
  if (fields.visibility !== undefined) out.visibility = visibility(fields.visibility);
  if (fields.sharedWith !== undefined) out.sharedWith = sharedWith(fields.sharedWith);
  return out;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('INVALID_REQUEST', 'The body must be a JSON object.');
  for (const key of Object.keys(body)) {
    if (!MODEL_FIELDS.has(key)) fail('INVALID_REQUEST', `Unknown field "${key.slice(0, 40)}"; accepted: ${[...MODEL_FIELDS].join(', ')}.`);
  }
  return body as Record<string, unknown>;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) fail('INVALID_REQUEST', `Field "${field}" must be a string of at most ${max} characters.`);
  return value;
}

/** A label list, or "imagenet" for the built-in 1,000 ImageNet-1k class names. */
function labels(value: unknown): string[] {
  if (value === 'imagenet') return [...resolveLabels('imagenet')];
  if (!Array.isArray(value) || value.length > 100_000 || !value.every((label) => typeof label === 'string' && label.length <= 256)) {
    fail('INVALID_REQUEST', 'Field "labels" must be "imagenet" or an array of at most 100000 strings of at most 256 characters.');
  }
  return value as string[];
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('INVALID_REQUEST', `Field "${field}" must be an object.`);
  return value as Record<string, unknown>;
}


function visibility(value: unknown): Visibility {
  if (!VISIBILITIES.includes(value as Visibility)) fail('INVALID_REQUEST', `Field "visibility" must be one of ${VISIBILITIES.join(', ')}.`);
  return value as Visibility;
}

/** Tenant names a `shared` model is shared with (checked for form only: naming a tenant reveals nothing). */
function sharedWith(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_SHARED_TENANTS) {
    fail('INVALID_REQUEST', `Field "sharedWith" must be an array of at most ${MAX_SHARED_TENANTS} tenant names.`);
  }
  return [...new Set(value.map((tenant) => assertTenantName(tenant)))].sort();
}
