import { assertModelName, assertTenantName, fail, qualifiedName } from '../core/index.js';
import { SCOPES, type Limits, type Scope } from '../protocol/index.js';
import { assertKnownFields, parseLimits } from './tenants.js';

/** What a caller asks for when creating a key (before checks). */
export interface CreateKeyInput {
  name: string;
  tenant: string;
  scopes: readonly Scope[];
  /** Model names the `infer` scope is limited to: bare (in the key's tenant) or `tenant/model`. */
  models?: readonly string[] | null;
  /** ISO-8601, in the future. */
  expiresAt?: string | null;
  limits?: Limits;
}

/** A checked key request: names qualified, expiry normalised to `toISOString()`. */
export interface NewKey {
  name: string;
  tenant: string;
  scopes: Scope[];
  models: string[] | null;
  expiresAt: string | null;
  limits: Limits;
}

const FIELDS = ['name', 'tenant', 'scopes', 'models', 'expiresAt', 'limits'] as const;
export const MAX_KEY_MODELS = 100;
const NAME_PATTERN = /^[^\p{C}]{1,64}$/u;
const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks the body of a key creation strictly: only `name`, `tenant`, `scopes`, `models`, `expiresAt` and `limits`.
 * - `name`: 1 to 64 printable characters;
 * - `tenant`: a tenant name (whether it exists is checked by `KeyStore.create`);
 * - `scopes`: a non-empty array of distinct SCOPES;
 * - `models` (optional, null = no limit): 1 to 100 distinct model names, bare (qualified with the key's tenant) or
 *   `tenant/model`;
 * - `expiresAt` (optional, null = never): an ISO-8601 date-time with a zone, later than `now`;
 * - `limits` (optional): see `parseLimits`.
 * Throws INVALID_REQUEST (INVALID_TENANT_NAME, INVALID_MODEL_NAME for bad names) naming the field.
 *
 * @example parseCreateKey({ name: 'ci', tenant: 'acme', scopes: ['infer'], models: ['iris'] }).models // ['acme/iris']
 */
export function parseCreateKey(body: unknown, now: Date = new Date()): NewKey {
  const record = assertKnownFields(body, 'the key', FIELDS);
  const name = record.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.trim() === '') {
    fail('INVALID_REQUEST', 'name must be 1 to 64 printable characters.', { field: 'name' });
  }
  if (record.tenant === undefined) fail('INVALID_REQUEST', 'tenant is required.', { field: 'tenant' });
  const tenant = assertTenantName(record.tenant);
  return {
    name,
    tenant,
    scopes: parseScopes(record.scopes),
    models: parseModels(record.models, tenant),
    expiresAt: parseExpiry(record.expiresAt, now),
    limits: record.limits === undefined ? {} : parseLimits(record.limits),
  };
}

function parseScopes(value: unknown): Scope[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail('INVALID_REQUEST', `scopes must be a non-empty array of: ${SCOPES.join(', ')}.`, { field: 'scopes' });
  }
  const seen = new Set<Scope>();
  for (const scope of value as unknown[]) {
    if (typeof scope !== 'string' || !(SCOPES as readonly string[]).includes(scope)) {
      fail('INVALID_REQUEST', `Unknown scope ${JSON.stringify(String(scope).slice(0, 40))}: use ${SCOPES.join(', ')}.`, { field: 'scopes' });
    }
    if (seen.has(scope as Scope)) fail('INVALID_REQUEST', `Scope ${JSON.stringify(scope)} is listed twice.`, { field: 'scopes' });
    seen.add(scope as Scope);
  }
  return [...seen];
}

function parseModels(value: unknown, tenant: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_KEY_MODELS) {
    fail('INVALID_REQUEST', `models must be an array of 1 to ${MAX_KEY_MODELS} model names (omit it, or pass null, for every model).`, { field: 'models' });
  }
  const models = new Set<string>();
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'string') fail('INVALID_REQUEST', 'models must hold model names (strings).', { field: 'models' });
    const slash = entry.indexOf('/');
    const qualified = slash < 0
      ? qualifiedName(tenant, assertModelName(entry))
      : qualifiedName(assertTenantName(entry.slice(0, slash)), assertModelName(entry.slice(slash + 1)));
    if (models.has(qualified)) fail('INVALID_REQUEST', `Model ${JSON.stringify(qualified)} is listed twice in models.`, { field: 'models' });
    models.add(qualified);
  }
  return [...models];
}

function parseExpiry(value: unknown, now: Date): string | null {
  if (value === undefined || value === null) return null;
  const match = typeof value === 'string' ? ISO_PATTERN.exec(value) : null;
  const ms = match === null ? Number.NaN : Date.parse(value as string);
  if (match === null || Number.isNaN(ms) || !isRealDate(match)) {
    fail('INVALID_REQUEST', 'expiresAt must be an ISO-8601 date-time with a zone, e.g. "2030-01-31T00:00:00Z".', { field: 'expiresAt' });
  }
  if (ms <= now.getTime()) fail('INVALID_REQUEST', `expiresAt ${JSON.stringify(value)} is not in the future.`, { field: 'expiresAt' });
  return new Date(ms).toISOString();
}

/** Refuses dates the parser would roll over (2030-02-30 → March 2) and out-of-range times. */
function isRealDate(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}
