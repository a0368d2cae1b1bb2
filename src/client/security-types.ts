import type { Limits, Scope, UsageRow } from '../protocol/index.js';

/** Body of `POST /api/tenants` (server admins only). */
export interface CreateTenantRequest {
  /** Lowercase letters, digits and dashes (the server's tenant-name rule). */
  name: string;
  limits?: Limits;
}

/** Body of `POST /api/keys`. */
export interface CreateKeyRequest {
  /** 1 to 64 printable characters, for people. */
  name: string;
  /** Default: the caller's tenant. Only a server admin may name another tenant. */
  tenant?: string;
  scopes: Scope[];
  /** Models an `infer` scope is limited to, bare (in the key's tenant) or `tenant/model`; null or absent: no limit. */
  models?: string[] | null;
  /** ISO-8601 date-time with a zone, in the future; null or absent: never expires. */
  expiresAt?: string | null;
  limits?: Limits;
}

export interface RotateKeyOptions {
  /** Seconds the current secret keeps working after the rotation (0 to 604800; default 0: refused at once). */
  overlapSeconds?: number;
}

/** The grouping fields of a usage report, in the order rows are sorted by. */
export type UsageGroup = 'day' | 'month' | 'tenant' | 'key' | 'model' | 'version';

/** Query of `GET /api/usage`; a tenant key always sees only its own tenant. */
export interface UsageQuery {
  /** First UTC day, `YYYY-MM-DD` (inclusive). */
  from?: string;
  /** Last UTC day, `YYYY-MM-DD` (inclusive). */
  to?: string;
  /** One tenant (server admins only; ignored for tenant keys). */
  tenant?: string;
  /** Grouping (default `day,model`): a list, or the comma-separated text. */
  groupBy?: UsageGroup[] | string;
}

/** Answer of `client.usage`: the grouping the server applied and one row per group. */
export interface UsageReport {
  groupBy: UsageGroup[];
  items: UsageRow[];
}

/** Query of `GET /api/audit`. */
export interface AuditListQuery {
  /** Only records with a larger `seq` (for paging). */
  afterSeq?: number;
  /** At most this many records (1 to 1000; server default 100). */
  limit?: number;
  /** One tenant's records (server admins only; tenant admins always get their own). */
  tenant?: string;
}

/** Answer of `GET /api/encryption`. */
export interface EncryptionStatus {
  /** Encryption at rest is on (a master key is configured). */
  encrypted: boolean;
  /** Fingerprint of the master key in force, or null. */
  masterKeyId: string | null;
  /** Versions whose model file is stored encrypted. */
  sealedVersions: number;
}

/** Answer of `POST /api/encryption/rotate`. */
export interface MasterKeyRotation {
  /** Fingerprint of the previous master key. */
  from: string;
  /** Fingerprint of the master key now in force. */
  to: string;
  /** Data keys re-wrapped under the new master key. */
  rewrapped: number;
  /** Versions whose data key could not be unwrapped (already corrupt). */
  skipped: number;
}
