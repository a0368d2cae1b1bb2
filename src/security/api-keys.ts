import { timingSafeEqual } from 'node:crypto';
import { fail } from '../core/index.js';
import type { SqlDatabase } from '../db/index.js';
import type { CreatedKey, KeyInfo } from '../protocol/index.js';
import { SecretHasher, decodeDigest, sha256 } from './api-key-digest.js';
import {
  ADMIN_KEY_ID, formatApiKey, generateKeyId, generateSecret, isLegacyAdminKey, looksLikeApiKey, parseApiKey,
} from './api-key-format.js';
import { toCached, toInfo, type CachedKey, type KeyRow } from './api-key-rows.js';
import { parseCreateKey, type CreateKeyInput } from './parse-create-key.js';
import type { Principal } from './principal.js';
import { DEFAULT_TENANT } from './tenants.js';

export interface KeyStoreOptions {
  db: SqlDatabase;
  /** The digest pepper (`loadOrCreatePepper`). */
  pepper: Buffer;
  /** The clock (tests pass a fake one). Default: `() => new Date()`. */
  now?: () => Date;
  /**
   * How long the in-memory key table may be reused before it is read again, as a backstop: every write through
   * this store (and `invalidate()`) clears it at once. Default 5000 ms.
   */
  cacheTtlMs?: number;
}

/** Longest rotation overlap: 7 days. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;
/** `last_used_at` is written at most this often per key. */
const LAST_USED_INTERVAL_MS = 60_000;
const MAX_PRESENTED_LENGTH = 512;

/** A presented key reduced to what is compared: the id to look up and the string whose HMAC is stored. */
interface Candidate {
  id: string;
  secret: string;
  /** The checksum-less admin key format of earlier releases. */
  legacy: boolean;
}

/**
 * The API keys (table `api_keys`): creation, listing, revocation, rotation and authentication.
 *
 * Only `HMAC-SHA-256(pepper, secret)` is stored. `authenticate` reads from an in-memory copy of the usable keys
 * that every write through this store clears, so a revocation or rotation applies to the very next request. A tenant
 * deletion is not a write of this store: whoever deletes the tenant calls `invalidate()` (app/TenantService does,
 * or pass `onDelete: () => keys.invalidate()` to `TenantStore`); a 5 s reload of the table is only a backstop.
 * The bootstrap admin key (id `admin`) is set up by `ensureAdminKey`, which may hand this store a configured admin
 * key (kept in memory only) or the SHA-256 of an earlier release's admin key.
 *
 * @example
 * const keys = new KeyStore({ db, pepper: await loadOrCreatePepper(dataDir) });
 * const created = keys.create({ name: 'ci', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
 * keys.authenticate(created.key)?.tenant === 'acme';
 */
export class KeyStore {
  /** Digest and comparison of secrets (exposed so tests can watch that every attempt does the same work). */
  readonly hasher: SecretHasher;
  readonly #db: SqlDatabase;
  readonly #now: () => Date;
  readonly #cacheTtlMs: number;
  #cache: Map<string, CachedKey> | undefined;
  #cacheLoadedMs = 0;
  /** When `last_used_at` was last written per key id (survives cache reloads). */
  readonly #lastUsedWrites = new Map<string, number>();
  /** HMAC of the configured admin key (TESSERA_ADMIN_KEY): in memory only; replaces the stored admin digest. */
  #configuredAdmin: Buffer | null = null;
  /** SHA-256 of an earlier release's generated admin key whose file is gone (`server_settings.admin_key_sha256`). */
  #legacyAdminHash: Buffer | null = null;

  constructor(options: KeyStoreOptions) {
    this.#db = options.db;
    this.hasher = new SecretHasher(options.pepper);
    this.#now = options.now ?? (() => new Date());
    this.#cacheTtlMs = options.cacheTtlMs ?? 5000;
  }

  /**
   * Creates a key (checked by `parseCreateKey`; the tenant must exist and not be deleted, TENANT_NOT_FOUND; the
   * server-wide `admin` scope only in the `default` tenant). The answer is the only time the key is shown.
   */
  create(input: CreateKeyInput, createdBy: string): CreatedKey {
    const now = this.#now();
    const key = parseCreateKey(input, now);
    if (key.scopes.includes('admin') && key.tenant !== DEFAULT_TENANT) {
      fail('INVALID_REQUEST', `The admin scope is server-wide: only keys of the "${DEFAULT_TENANT}" tenant may hold it; use tenant:admin.`, { field: 'scopes' });
    }
    assertCreatedBy(createdBy);
    const secret = generateSecret();
    const id = this.#db.immediate(() => {
      const tenant = this.#db.prepare<{ deleted_at: string | null }>('SELECT deleted_at FROM tenants WHERE name = ?').get(key.tenant);
      if (tenant === undefined || tenant.deleted_at !== null) fail('TENANT_NOT_FOUND', `No tenant named ${JSON.stringify(key.tenant)}.`);
      let candidate = generateKeyId();
      while (this.#row(candidate) !== undefined) candidate = generateKeyId();
      this.#db.prepare(`INSERT INTO api_keys (id, tenant, name, scopes_json, models_json, limits_json, secret_digest, expires_at, created_at, created_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        candidate, key.tenant, key.name, JSON.stringify(key.scopes), key.models === null ? null : JSON.stringify(key.models),
        JSON.stringify(key.limits), this.hasher.digest(secret).toString('hex'), key.expiresAt, now.toISOString(), createdBy);
      return candidate;
    });
    this.invalidate();
    return { ...this.#require(id), key: formatApiKey(id, secret) };
  }

  /** Every key (revoked ones too), oldest first, optionally of one tenant. Never a secret or a digest. */
  list(tenant?: string): KeyInfo[] {
    const rows = tenant === undefined
      ? this.#db.prepare<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id').all()
      : this.#db.prepare<KeyRow>('SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at, id').all(tenant);
    const nowMs = this.#now().getTime();
    return rows.map((row) => toInfo(row, nowMs));
  }

  get(id: string): KeyInfo | undefined {
    const row = this.#row(id);
    return row === undefined ? undefined : toInfo(row, this.#now().getTime());
  }

  /** Revokes a key (KEY_NOT_FOUND if unknown); revoking twice keeps the first `revokedAt`. Applies at once. */
  revoke(id: string): KeyInfo {
    this.#db.immediate(() => {
      const row = this.#row(id) ?? notFound(id);
      if (row.revoked_at === null) this.#db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(this.#now().toISOString(), id);
    });
    this.invalidate();
    return this.#require(id);
  }

  /**
   * Gives a key a new secret. The current secret stays valid for `overlapSeconds` more (0 to 7 days; 0: refused at
   * once); a secret kept by an earlier rotation is dropped now. Refuses revoked keys, and the admin key while it is
   * configured (TESSERA_ADMIN_KEY) or verified by an earlier release's hash (INVALID_REQUEST).
   */
  rotate(id: string, overlapSeconds: number): CreatedKey {
    if (typeof overlapSeconds !== 'number' || !Number.isFinite(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_ROTATION_OVERLAP_SECONDS) {
      fail('INVALID_REQUEST', `The rotation overlap must be 0 to ${MAX_ROTATION_OVERLAP_SECONDS} seconds (7 days).`, { field: 'overlapSeconds' });
    }
    const now = this.#now();
    const secret = generateSecret();
    this.#db.immediate(() => {
      const row = this.#row(id) ?? notFound(id);
      if (row.revoked_at !== null) fail('INVALID_REQUEST', `Key ${JSON.stringify(id)} is revoked and cannot be rotated: create a new key.`);
      const current = decodeDigest(row.secret_digest);
      if (id === ADMIN_KEY_ID && (this.#configuredAdmin !== null || (current === null && this.#legacyAdminHash !== null))) {
        fail('INVALID_REQUEST', 'The bootstrap admin key is configured (TESSERA_ADMIN_KEY) or kept from an earlier release and cannot be rotated here: change the setting, or create another admin key and revoke "admin".');
      }
      const keepPrevious = overlapSeconds > 0 && current !== null;
      this.#db.prepare('UPDATE api_keys SET secret_digest = ?, previous_digest = ?, previous_expires_at = ? WHERE id = ?').run(
        this.hasher.digest(secret).toString('hex'),
        keepPrevious ? row.secret_digest : null,
        keepPrevious ? new Date(now.getTime() + overlapSeconds * 1000).toISOString() : null,
        id);
    });
    this.invalidate();
    return { ...this.#require(id), key: formatApiKey(id, secret) };
  }

  /**
   * The principal of a presented key, or undefined. A malformed key or a bad checksum is refused before any lookup.
   * Otherwise the key is looked up by id in memory, and `HMAC(pepper, secret)` is compared in constant time with the
   * stored digest and with the previous one (during a rotation overlap); an unknown id compares against a dummy
   * digest, so every refusal after the checksum does the same work. Revoked and expired keys and keys of deleted
   * tenants are refused. `last_used_at` is written at most once a minute per key.
   */
  authenticate(presented: string | undefined): Principal | undefined {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > MAX_PRESENTED_LENGTH) return undefined;
    const candidate = this.#candidate(presented);
    if (candidate === undefined) return undefined;
    const nowMs = this.#now().getTime();
    const entry = this.#entries(nowMs).get(candidate.id);
    let current = entry?.digest ?? null;
    let previous = entry !== undefined && entry.previousExpiresMs > nowMs ? entry.previousDigest : null;
    const configured = candidate.id === ADMIN_KEY_ID && this.#configuredAdmin !== null;
    if (configured) {
      current = entry === undefined ? null : this.#configuredAdmin;
      previous = null;
    }
    const digest = this.hasher.digest(candidate.secret);
    // Both comparisons always run (no short-circuit), whatever the first one says.
    const matchesCurrent = this.hasher.matches(digest, current);
    const matchesPrevious = this.hasher.matches(digest, previous);
    let matched = matchesCurrent || matchesPrevious;
    if (candidate.legacy && !configured && entry !== undefined && entry.digest === null && this.#legacyAdminHash !== null) {
      matched = timingSafeEqual(sha256(presented), this.#legacyAdminHash) || matched;
    }
    if (!matched || entry === undefined || entry.expiresMs <= nowMs) return undefined;
    this.#touch(candidate.id, nowMs);
    return entry.principal;
  }

  /** Drops the in-memory key table; the next `authenticate` reads it again. Call after changes made elsewhere. */
  invalidate(): void {
    this.#cache = undefined;
  }

  /**
   * Used by `ensureAdminKey`: the configured admin key (16 to 512 characters), whose HMAC is kept in memory only and
   * replaces the stored digest of the `admin` row while set; undefined clears it. A configured key shaped like a
   * `tsk_` key must be a valid `tsk_admin_…` key (INVALID_REQUEST otherwise).
   */
  useConfiguredAdminKey(key: string | undefined): void {
    if (key !== undefined) {
      if (typeof key !== 'string' || key.length < 16 || key.length > MAX_PRESENTED_LENGTH) {
        fail('INVALID_REQUEST', `The configured admin key (TESSERA_ADMIN_KEY) must be 16 to ${MAX_PRESENTED_LENGTH} characters.`);
      }
      if (looksLikeApiKey(key) && parseApiKey(key)?.id !== ADMIN_KEY_ID) {
        fail('INVALID_REQUEST', 'The configured admin key (TESSERA_ADMIN_KEY) looks like a tessera key of another id or with a bad checksum: use a tsk_admin_… key or any other string.');
      }
    }
    this.#configuredAdmin = key === undefined ? null : this.hasher.digest(secretOf(key));
    this.invalidate();
  }

  /**
   * Used by `ensureAdminKey`: the SHA-256 of an earlier release's generated admin key (`tsk_admin_<base64url>`),
   * accepted while the `admin` row holds no digest of its own; undefined clears it.
   */
  useLegacyAdminHash(hash: Buffer | undefined): void {
    if (hash !== undefined && hash.length !== 32) throw new Error('The legacy admin key hash must be a 32-byte SHA-256.');
    this.#legacyAdminHash = hash === undefined ? null : Buffer.from(hash);
    this.invalidate();
  }

  /** The hex digest to store for a full key string (its secret part for a `tsk_` key, else the whole string). */
  digestOfKey(key: string): string {
    return this.hasher.digest(secretOf(key)).toString('hex');
  }

  /** What a presented string is compared as; undefined for a malformed key (refused without any lookup). */
  #candidate(presented: string): Candidate | undefined {
    const parsed = parseApiKey(presented);
    if (parsed !== undefined) return { id: parsed.id, secret: parsed.secret, legacy: false };
    if (looksLikeApiKey(presented)) return undefined;
    if (isLegacyAdminKey(presented)) return { id: ADMIN_KEY_ID, secret: presented, legacy: true };
    if (this.#configuredAdmin !== null) return { id: ADMIN_KEY_ID, secret: presented, legacy: false };
    return undefined;
  }

  #entries(nowMs: number): Map<string, CachedKey> {
    if (this.#cache !== undefined && nowMs >= this.#cacheLoadedMs && nowMs - this.#cacheLoadedMs < this.#cacheTtlMs) return this.#cache;
    const rows = this.#db.prepare<KeyRow & { tenant_deleted_at: string | null; tenant_exists: number | null }>(
      `SELECT k.*, t.deleted_at AS tenant_deleted_at, t.rowid AS tenant_exists
       FROM api_keys k LEFT JOIN tenants t ON t.name = k.tenant
       WHERE k.revoked_at IS NULL`).all();
    const cache = new Map<string, CachedKey>();
    for (const row of rows) {
      if (row.tenant_exists === null || row.tenant_deleted_at !== null) continue;
      cache.set(row.id, toCached(row));
      if (row.last_used_at !== null && !this.#lastUsedWrites.has(row.id)) this.#lastUsedWrites.set(row.id, Date.parse(row.last_used_at));
    }
    this.#cache = cache;
    this.#cacheLoadedMs = nowMs;
    return cache;
  }

  #touch(id: string, nowMs: number): void {
    const last = this.#lastUsedWrites.get(id);
    if (last !== undefined && nowMs - last < LAST_USED_INTERVAL_MS && nowMs >= last) return;
    this.#lastUsedWrites.set(id, nowMs);
    try {
      this.#db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(new Date(nowMs).toISOString(), id);
    } catch {
      // Book-keeping only: a busy database must not fail the request. The next minute tries again.
    }
  }

  #row(id: string): KeyRow | undefined {
    return typeof id === 'string' ? this.#db.prepare<KeyRow>('SELECT * FROM api_keys WHERE id = ?').get(id) : undefined;
  }

  #require(id: string): KeyInfo {
    return this.get(id) ?? notFound(id);
  }
}

/** The string whose HMAC is stored for a full key: the secret part of a `tsk_` key, else the whole string. */
function secretOf(key: string): string {
  return parseApiKey(key)?.secret ?? key;
}

function notFound(id: string): never {
  return fail('KEY_NOT_FOUND', `No API key with id ${JSON.stringify(String(id).slice(0, 40))}.`);
}

function assertCreatedBy(createdBy: string): void {
  if (typeof createdBy !== 'string' || createdBy.length === 0 || createdBy.length > 200) {
    fail('INVALID_REQUEST', 'createdBy must name who creates the key (1 to 200 characters, e.g. "key:<id>").');
  }
}
