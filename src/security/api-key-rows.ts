import type { KeyInfo, Limits, Scope } from '../protocol/index.js';
import { decodeDigest } from './api-key-digest.js';
import type { Principal } from './principal.js';

/** A row of `api_keys`. */
export interface KeyRow {
  id: string;
  tenant: string;
  name: string;
  scopes_json: string;
  models_json: string | null;
  limits_json: string;
  secret_digest: string;
  previous_digest: string | null;
  previous_expires_at: string | null;
  expires_at: string | null;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** One usable key as `authenticate` sees it (revoked keys and keys of deleted tenants are never cached). */
export interface CachedKey {
  principal: Principal;
  digest: Buffer | null;
  previousDigest: Buffer | null;
  /** -Infinity when there is no previous digest. */
  previousExpiresMs: number;
  /** Infinity when the key never expires. */
  expiresMs: number;
}

/** The in-memory form of a usable key row: its principal (built once) and its digests as bytes. */
export function toCached(row: KeyRow): CachedKey {
  const models = row.models_json === null ? null : JSON.parse(row.models_json) as string[];
  const principal: Principal = Object.freeze({
    keyId: row.id,
    tenant: row.tenant,
    scopes: new Set(JSON.parse(row.scopes_json) as Scope[]),
    models: models === null ? null : new Set(models),
    limits: Object.freeze(JSON.parse(row.limits_json) as Limits),
  });
  return {
    principal,
    digest: decodeDigest(row.secret_digest),
    previousDigest: decodeDigest(row.previous_digest),
    previousExpiresMs: row.previous_expires_at === null ? -Infinity : Date.parse(row.previous_expires_at),
    expiresMs: row.expires_at === null ? Infinity : Date.parse(row.expires_at),
  };
}

/** A key as listed: never its digests. `previousSecretExpiresAt` only while a rotation overlap lasts. */
export function toInfo(row: KeyRow, nowMs: number): KeyInfo {
  const overlap = row.previous_digest !== null && row.previous_expires_at !== null && Date.parse(row.previous_expires_at) > nowMs;
  return {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    scopes: JSON.parse(row.scopes_json) as Scope[],
    models: row.models_json === null ? null : JSON.parse(row.models_json) as string[],
    limits: JSON.parse(row.limits_json) as Limits,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    previousSecretExpiresAt: overlap ? row.previous_expires_at : null,
  };
}
