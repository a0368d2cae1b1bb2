import { assertTenantName, fail } from '../core/index.js';
import type { SqlDatabase } from '../db/index.js';
import type { Limits, TenantInfo } from '../protocol/index.js';

/** The tenant every server has; it holds the bootstrap admin key and cannot be deleted. */
export const DEFAULT_TENANT = 'default';

/** Tenants remembered at most (names of unknown tenants are cached too, so the bound matters). */
const MAX_CACHED = 10_000;

export interface TenantStoreOptions {
  /** The clock (tests pass a fake one). Default: `() => new Date()`. */
  now?: () => Date;
  /**
   * Called after a tenant is deleted, e.g. `() => keys.invalidate()` so the keys of the tenant stop working on the
   * very next request. Optional: the caller of `delete` may call `KeyStore.invalidate()` itself instead (as
   * app/TenantService does); one of the two is required.
   */
  onDelete?: (name: string) => void;
}

interface TenantRow {
  name: string;
  limits_json: string;
  created_at: string;
  deleted_at: string | null;
}

/**
 * The tenants of the server (table `tenants`). Deletion is soft: the row keeps its name (so it is never reused by a
 * new tenant that would inherit old keys) and `deleted_at`; a deleted tenant is absent from every read.
 *
 * @example const tenants = new TenantStore(db, { onDelete: () => keys.invalidate() }); tenants.create('acme', { concurrent: 4 });
 */
export class TenantStore {
  readonly #db: SqlDatabase;
  readonly #now: () => Date;
  readonly #onDelete: ((name: string) => void) | undefined;

  readonly #cache = new Map<string, TenantInfo | undefined>();

  constructor(db: SqlDatabase, options: TenantStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#onDelete = options.onDelete;
  }

  /** Creates a tenant. Refuses a bad name (INVALID_TENANT_NAME) and a name in use or once used (TENANT_EXISTS). */
  create(name: string, limits?: Limits): TenantInfo {
    assertTenantName(name);
    const parsed = limits === undefined ? {} : parseLimits(limits);
    const createdAt = this.#now().toISOString();
    return this.#db.immediate(() => {
      const existing = this.#row(name);
      if (existing !== undefined) {
        fail('TENANT_EXISTS', existing.deleted_at === null
          ? `Tenant ${JSON.stringify(name)} already exists.`
          : `Tenant ${JSON.stringify(name)} was deleted; the names of deleted tenants are not reused. Pick another name.`);
      }
      this.#db.prepare('INSERT INTO tenants (name, limits_json, created_at) VALUES (?, ?, ?)').run(name, JSON.stringify(parsed), createdAt);
      this.#cache.clear();
      return { name, limits: parsed, createdAt };
    });
  }

  /** The tenant, or undefined when it does not exist or was deleted. */
  /** Answered from memory after the first read (every request reads its tenant's limits); writes clear it. */
  get(name: string): TenantInfo | undefined {
    if (this.#cache.has(name)) return this.#cache.get(name);
    const row = this.#row(name);
    const tenant = row === undefined || row.deleted_at !== null ? undefined : toInfo(row);
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
    this.#cache.set(name, tenant);
    return tenant;
  }

  /** The tenant, or TENANT_NOT_FOUND. */
  require(name: string): TenantInfo {
    return this.get(name) ?? fail('TENANT_NOT_FOUND', `No tenant named ${JSON.stringify(String(name).slice(0, 80))}.`);
  }

  /** Every tenant not deleted, by name. */
  list(): TenantInfo[] {
    return this.#db.prepare<TenantRow>('SELECT * FROM tenants WHERE deleted_at IS NULL ORDER BY name').all().map(toInfo);
  }

  /** Replaces the limits of a tenant (`{}` removes them all). */
  setLimits(name: string, limits: Limits): TenantInfo {
    const parsed = parseLimits(limits);
    return this.#db.immediate(() => {
      const tenant = this.require(name);
      this.#db.prepare('UPDATE tenants SET limits_json = ? WHERE name = ?').run(JSON.stringify(parsed), name);
      this.#cache.clear();
      return { ...tenant, limits: parsed };
    });
  }

  /**
   * Soft-deletes a tenant (sets `deleted_at`): its keys stop authenticating at once (through `onDelete`). The
   * `default` tenant cannot be deleted (INVALID_REQUEST).
   */
  delete(name: string): void {
    if (name === DEFAULT_TENANT) fail('INVALID_REQUEST', 'The default tenant cannot be deleted: it holds the bootstrap admin key.');
    this.#db.immediate(() => {
      this.require(name);
      this.#db.prepare('UPDATE tenants SET deleted_at = ? WHERE name = ?').run(this.#now().toISOString(), name);
      this.#cache.clear();
    });
    this.#onDelete?.(name);
  }

  /** True when the tenant exists and is not deleted. */
  isActive(name: string): boolean {
    return this.get(name) !== undefined;
  }

  #row(name: string): TenantRow | undefined {
    return this.#db.prepare<TenantRow>('SELECT * FROM tenants WHERE name = ?').get(name);
  }
}

function toInfo(row: TenantRow): TenantInfo {
  return { name: row.name, limits: JSON.parse(row.limits_json) as Limits, createdAt: row.created_at };
}

/** Each limit field: whether it must be an integer, and its largest accepted value. */
const LIMIT_FIELDS: Readonly<Record<keyof Limits, { integer: boolean; max: number }>> = {
  requestsPerSecond: { integer: false, max: 1_000_000 },
  burst: { integer: true, max: 1_000_000 },
  concurrent: { integer: true, max: 100_000 },
  monthlyRequests: { integer: true, max: 1e12 },
  monthlyComputeMs: { integer: false, max: 1e13 },
};

/**
 * Checks limits from a request body: a plain object with only the known fields, each a finite positive number
 * (an integer for `burst`, `concurrent` and `monthlyRequests`) no larger than a sane maximum. Absent fields mean no
 * limit. Anything else is INVALID_REQUEST naming the field. Returns a fresh object with just those fields.
 *
 * @example parseLimits({ requestsPerSecond: 5, burst: 10 }) // { requestsPerSecond: 5, burst: 10 }
 */
export function parseLimits(value: unknown): Limits {
  const record = assertKnownFields(value, 'limits', Object.keys(LIMIT_FIELDS));
  const limits: Limits = {};
  for (const [field, rule] of Object.entries(LIMIT_FIELDS) as [keyof Limits, { integer: boolean; max: number }][]) {
    const raw = record[field];
    if (raw === undefined) continue;
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0 || raw > rule.max || (rule.integer && !Number.isInteger(raw))) {
      fail('INVALID_REQUEST', `limits.${field} must be a ${rule.integer ? 'positive integer' : 'positive number'} of at most ${rule.max}, got ${JSON.stringify(raw)?.slice(0, 40)}.`, { field: `limits.${field}` });
    }
    limits[field] = raw;
  }
  return limits;
}

/**
 * Asserts that `value` is a plain JSON object (prototype Object.prototype or null) whose own keys are all in
 * `allowed`, and returns it as a record. Unknown keys, `__proto__` included, are INVALID_REQUEST naming the field.
 */
export function assertKnownFields(value: unknown, what: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('INVALID_REQUEST', `${what} must be a JSON object.`);
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) fail('INVALID_REQUEST', `${what} must be a plain JSON object.`);
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string' || !allowed.includes(key)) {
      const name = String(key).slice(0, 40);
      fail('INVALID_REQUEST', `Unknown field ${JSON.stringify(name)} in ${what}: allowed fields are ${allowed.join(', ')}.`, { field: name });
    }
  }
  return value as Record<string, unknown>;
}
