/** Wire types of tenants, API keys, limits, usage and the audit log (the management API under /api). */

/**
 * What a key may do. `admin` is server-wide; `tenant:admin` manages the keys and settings of its own tenant and
 * implies the tenant-level scopes below; `infer` may be limited to listed models by the key's `models`.
 */
export const SCOPES = ['admin', 'tenant:admin', 'models:write', 'models:read', 'infer', 'metrics:read'] as const;
export type Scope = (typeof SCOPES)[number];

/** Limits of a key or a tenant; an absent field means no limit of that kind. */
export interface Limits {
  /** Sustained requests per second (token bucket refill rate). */
  requestsPerSecond?: number;
  /** Bucket size: requests allowed at once after a quiet period; defaults to max(1, requestsPerSecond). */
  burst?: number;
  /** Inference requests in flight at the same time. */
  concurrent?: number;
  /** Inference requests per calendar month (UTC). */
  monthlyRequests?: number;
  /** Milliseconds of model compute per calendar month (UTC). */
  monthlyComputeMs?: number;
}

export interface TenantInfo {
  name: string;
  limits: Limits;
  createdAt: string;
}

/** A key as listed: never its secret or digest. */
export interface KeyInfo {
  id: string;
  name: string;
  tenant: string;
  scopes: Scope[];
  /** Models an `infer` scope is limited to (qualified `tenant/model` names); null: every model the tenant may use. */
  models: string[] | null;
  limits: Limits;
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** Set during a rotation's overlap: until then the previous secret still works. */
  previousSecretExpiresAt: string | null;
}

/** The answer to creating or rotating a key: the only time the secret is shown. */
export interface CreatedKey extends KeyInfo {
  /** `tsk_<id>_<secret>`. */
  key: string;
}

export type Visibility = 'private' | 'shared' | 'public';

/** One row of `GET /api/usage` (fields absent from the grouping are omitted). */
export interface UsageRow {
  day?: string;
  month?: string;
  tenant?: string;
  keyId?: string;
  model?: string;
  version?: number;
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  queueMs: number;
  computeMs: number;
}

/** One audit record as stored and served; `hash` chains it to the record before. */
export interface AuditRecord {
  seq: number;
  at: string;
  tenant: string;
  /** Who acted: `key:<id>`, or `system:<what>` (auto-rollback, start-up…). Never a secret. */
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'refused';
  requestId: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
