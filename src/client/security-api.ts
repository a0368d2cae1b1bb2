import {
  AUDIT_GENESIS, auditCanonical, verifyAuditChain,
  type AuditChainHead, type AuditChainResult, type AuditRecord, type CreatedKey, type KeyInfo, type Limits,
  type ListResponse, type TenantInfo,
} from '../protocol/index.js';
import { segment, type HttpTransport } from './http-transport.js';
import type {
  AuditListQuery, CreateKeyRequest, CreateTenantRequest, EncryptionStatus, MasterKeyRotation, RotateKeyOptions,
  UsageQuery, UsageReport,
} from './security-types.js';

/** The audit page size `all()` and `verify()` ask for: the server's maximum. */
const AUDIT_PAGE = 1000;

/**
 * Tenants (`client.tenants`): creating, limiting and deleting them needs a server `admin` key; a `tenant:admin` key
 * may list and read its own tenant.
 *
 * @example
 * await client.tenants.create({ name: 'acme', limits: { requestsPerSecond: 50, concurrent: 4 } });
 */
export class TenantsApi {
  constructor(private readonly http: HttpTransport) {}

  create(request: CreateTenantRequest): Promise<TenantInfo> {
    return this.http.json('POST', '/api/tenants', { json: request });
  }

  async list(): Promise<TenantInfo[]> {
    return (await this.http.json<ListResponse<TenantInfo>>('GET', '/api/tenants')).items;
  }

  get(name: string): Promise<TenantInfo> {
    return this.http.json('GET', `/api/tenants/${segment(name)}`);
  }

  /** Replaces the tenant's limits (fields left out mean no limit of that kind). */
  setLimits(name: string, limits: Limits): Promise<TenantInfo> {
    return this.http.json('PATCH', `/api/tenants/${segment(name)}`, { json: { limits } });
  }

  /** Deletes a tenant: its keys stop working at once; its models stay. */
  delete(name: string): Promise<void> {
    return this.http.empty('DELETE', `/api/tenants/${segment(name)}`);
  }
}

/**
 * API keys (`client.keys`), for `admin` and `tenant:admin` keys. Only `create` and `rotate` answer the secret
 * (`key`); store it then, it is never shown again.
 *
 * @example
 * const { id, key } = await client.keys.create({ name: 'ci', scopes: ['infer'], models: ['iris'] });
 * await client.keys.rotate(id, { overlapSeconds: 3600 });
 */
export class KeysApi {
  constructor(private readonly http: HttpTransport) {}

  create(request: CreateKeyRequest): Promise<CreatedKey> {
    return this.http.json('POST', '/api/keys', { json: request });
  }

  /** Every key the caller manages (revoked ones too); `tenant` narrows a server admin's list. Never a secret. */
  async list(query: { tenant?: string } = {}): Promise<KeyInfo[]> {
    return (await this.http.json<ListResponse<KeyInfo>>('GET', `/api/keys${queryString(query)}`)).items;
  }

  get(id: string): Promise<KeyInfo> {
    return this.http.json('GET', `/api/keys/${segment(id)}`);
  }

  /** Revokes a key at once (every secret of it); answers the key with `revokedAt` set. */
  revoke(id: string): Promise<KeyInfo> {
    return this.http.json('DELETE', `/api/keys/${segment(id)}`);
  }

  /** Gives a key a new secret (same id); the old one keeps working for `overlapSeconds`. */
  rotate(id: string, options: RotateKeyOptions = {}): Promise<CreatedKey> {
    const body = options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds };
    return this.http.json('POST', `/api/keys/${segment(id)}/rotate`, { json: body });
  }
}

/**
 * The hash-chained audit log (`client.audit`), for `admin` and `tenant:admin` keys.
 *
 * @example
 * const result = await client.audit.verify();
 * if (!result.ok) console.error(`audit record ${result.seq}: ${result.reason}`);
 */
export class AuditApi {
  constructor(private readonly http: HttpTransport) {}

  /** One page of records in `seq` order. */
  async list(query: AuditListQuery = {}): Promise<AuditRecord[]> {
    const { afterSeq, limit, tenant } = query;
    return (await this.http.json<ListResponse<AuditRecord>>('GET', `/api/audit${queryString({ afterSeq, limit, tenant })}`)).items;
  }

  /** Every record after `afterSeq` (default: all), fetched `limit` (default 1000) at a time. */
  async all(query: AuditListQuery = {}): Promise<AuditRecord[]> {
    const limit = query.limit ?? AUDIT_PAGE;
    const records: AuditRecord[] = [];
    let afterSeq = query.afterSeq ?? 0;
    for (;;) {
      const page = await this.list({ ...query, afterSeq, limit });
      records.push(...page);
      if (page.length < limit) return records;
      afterSeq = page[page.length - 1].seq;
    }
  }

  /**
   * Reads the whole log page by page and checks its hash chain with Web Crypto's SHA-256: the first edited,
   * missing or reordered record is named by `seq`. Needs a key that reads the whole log (server `admin`): a tenant
   * admin's view skips other tenants' records, so its chain has gaps. A removed *last* record shows only as a
   * different `head` than an earlier verification's.
   */
  async verify(): Promise<AuditChainResult> {
    let head: AuditChainHead = { seq: 0, hash: AUDIT_GENESIS };
    let count = 0;
    for (;;) {
      const page = await this.list({ afterSeq: head.seq, limit: AUDIT_PAGE });
      const hashes = new Map(await Promise.all(page.map(async (record) => {
        const text = chainedText(record);
        return [text, await sha256Hex(text)] as const;
      })));
      const result = verifyAuditChain(page, (text) => hashes.get(text) ?? '', head);
      if (!result.ok) return result;
      count += result.count;
      if (page.length > 0) head = { seq: page[page.length - 1].seq, hash: result.head };
      if (page.length < AUDIT_PAGE) return { ok: true, count, head: head.hash };
    }
  }
}

/**
 * Encryption at rest (`client.encryption`), for `admin` keys.
 *
 * @example
 * const { from, to, rewrapped } = await client.encryption.rotate();
 */
export class EncryptionApi {
  constructor(private readonly http: HttpTransport) {}

  status(): Promise<EncryptionStatus> {
    return this.http.json('GET', '/api/encryption');
  }

  /** Rotates the master key: every data key is re-wrapped under a new one the server generates; serving goes on. */
  rotate(): Promise<MasterKeyRotation> {
    return this.http.json('POST', '/api/encryption/rotate', { json: {} });
  }
}

/** `GET /api/usage` as rows. */
export function fetchUsage(http: HttpTransport, query: UsageQuery): Promise<UsageReport> {
  return http.json('GET', `/api/usage${queryString(usageParams(query))}`);
}

/** `GET /api/usage?format=csv` as text (RFC 4180, CRLF line ends, a header line first). */
export async function fetchUsageCsv(http: HttpTransport, query: UsageQuery): Promise<string> {
  return (await http.send('GET', `/api/usage${queryString({ ...usageParams(query), format: 'csv' })}`)).text();
}

function usageParams(query: UsageQuery): Record<string, string | undefined> {
  const groupBy = Array.isArray(query.groupBy) ? query.groupBy.join(',') : query.groupBy;
  return { from: query.from, to: query.to, tenant: query.tenant, groupBy };
}

/** `?a=1&b=2` from the defined values, or ''. */
function queryString(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text.length === 0 ? '' : `?${text}`;
}

/** What a record's hash covers: `prevHash + auditCanonical(record without hash)`. */
function chainedText(record: AuditRecord): string {
  const { hash: _hash, ...rest } = record;
  return record.prevHash + auditCanonical(rest);
}

/** SHA-256 of UTF-8 text as lowercase hex, with Web Crypto (browsers in a secure context, Node 20+). */
async function sha256Hex(text: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new Error('Verifying the audit chain needs Web Crypto (crypto.subtle): a secure context (https or localhost) in browsers, or Node 20+.');
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
