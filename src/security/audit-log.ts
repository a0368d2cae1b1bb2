import { createHash } from 'node:crypto';
import { fail } from '../core/index.js';
import type { SqlDatabase } from '../db/index.js';
import { AUDIT_GENESIS, auditCanonical, verifyAuditChain, type AuditChainHead, type AuditChainResult, type AuditRecord } from '../protocol/index.js';
import { boundedDetailsJson, sanitizeAuditText } from './audit-sanitize.js';

/** What happened, as the caller describes it; the log adds seq, time and the hash chain. */
export interface AuditEntry {
  tenant: string;
  /** `key:<id>` or `system:<what>`; never a secret. */
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'refused';
  requestId: string;
  details?: Record<string, unknown>;
}

export interface AuditListOptions {
  tenant?: string;
  /** Only records after this seq (for paging); default 0. */
  afterSeq?: number;
  /** 1..1000, default 100. */
  limit?: number;
}

export interface AuditLogOptions {
  /** Clock for `at`; defaults to `() => new Date()`. */
  now?: () => Date;
}

/** Character bounds of the text fields, and the byte bound of the details JSON. */
export const AUDIT_FIELD_LIMITS = Object.freeze({ tenant: 64, actor: 128, action: 64, target: 256, requestId: 128, detailsBytes: 4096 });

/** Records read per page by `verify`. */
const VERIFY_PAGE = 500;

interface AuditRow {
  seq: number;
  at: string;
  tenant: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  request_id: string;
  details_json: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, tenant, actor, action, target, outcome, request_id, details_json, prev_hash, hash';

/**
 * The append-only, hash-chained audit log (security.md §4.10) over the `audit_log` table, whose triggers refuse
 * UPDATE and DELETE. Every field is sanitized (no control characters) and bounded before it is hashed and stored.
 * `append` runs in `db.immediate`, so inside the caller's transaction it is a savepoint of it: the record commits,
 * or rolls back, with the change it describes.
 *
 * @example
 * const audit = new AuditLog(db);
 * db.immediate(() => { store.setAlias(…); audit.append({ tenant: 'acme', actor: 'key:k1', action: 'alias.set', target: 'acme/mlp:production', outcome: 'ok', requestId }); });
 * audit.verify(); // → { ok: true, count, head }
 */
export class AuditLog {
  readonly #db: SqlDatabase;
  readonly #now: () => Date;

  constructor(db: SqlDatabase, options: AuditLogOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  /** Appends one record chained to the last one and returns it as stored. */
  append(entry: AuditEntry): AuditRecord {
    if (entry.outcome !== 'ok' && entry.outcome !== 'refused') fail('INVALID_PARAMETER', `Audit outcome must be "ok" or "refused", got ${JSON.stringify(String(entry.outcome).slice(0, 40))}.`);
    const limits = AUDIT_FIELD_LIMITS;
    const fields = {
      tenant: sanitizeAuditText(entry.tenant, limits.tenant),
      actor: sanitizeAuditText(entry.actor, limits.actor),
      action: sanitizeAuditText(entry.action, limits.action),
      target: sanitizeAuditText(entry.target, limits.target),
      outcome: entry.outcome,
      requestId: sanitizeAuditText(entry.requestId, limits.requestId),
    };
    const detailsJson = boundedDetailsJson(entry.details, limits.detailsBytes);
    return this.#db.immediate(() => {
      const last = this.#db.prepare<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get();
      const unhashed: Omit<AuditRecord, 'hash'> = {
        seq: (last?.seq ?? 0) + 1, at: this.#now().toISOString(), ...fields,
        details: JSON.parse(detailsJson) as Record<string, unknown>, prevHash: last?.hash ?? AUDIT_GENESIS,
      };
      const record: AuditRecord = { ...unhashed, hash: sha256Hex(unhashed.prevHash + auditCanonical(unhashed)) };
      this.#db.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(record.seq, record.at, record.tenant,
        record.actor, record.action, record.target, record.outcome, record.requestId, detailsJson, record.prevHash, record.hash);
      return record;
    });
  }

  /**
   * Records in seq order, optionally of one tenant, after `afterSeq`, at most `limit` (1..1000, default 100).
   * Throws `INVALID_PARAMETER` for a bad limit or afterSeq.
   *
   * @example audit.list({ tenant: 'acme', afterSeq: lastSeen, limit: 500 })
   */
  list(options: AuditListOptions = {}): AuditRecord[] {
    const limit = options.limit ?? 100;
    const afterSeq = options.afterSeq ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) fail('INVALID_PARAMETER', `Audit list limit must be an integer from 1 to 1000, got ${String(limit)}.`);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) fail('INVALID_PARAMETER', `afterSeq must be a non-negative integer, got ${String(afterSeq)}.`);
    if (options.tenant !== undefined && typeof options.tenant !== 'string') fail('INVALID_PARAMETER', 'The audit tenant filter must be a string.');
    const rows = options.tenant === undefined
      ? this.#db.prepare<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`).all(afterSeq, limit)
      : this.#db.prepare<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?`).all(options.tenant, afterSeq, limit);
    return rows.map(toAuditRecord);
  }

  /** Verifies the whole chain (read in pages of 500) with `verifyAuditChain`; names the first bad seq. */
  verify(): AuditChainResult {
    const page = this.#db.prepare<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ${VERIFY_PAGE}`);
    let head: AuditChainHead = { seq: 0, hash: AUDIT_GENESIS };
    let count = 0;
    for (let lastRead = 0; ;) {
      const rows = page.all(lastRead);
      if (rows.length === 0) return { ok: true, count, head: head.hash };
      const result = verifyAuditChain(rows.map(toAuditRecord), sha256Hex, head);
      if (!result.ok) return result;
      count += result.count;
      lastRead = rows[rows.length - 1].seq;
      head = { seq: lastRead, hash: result.head };
    }
  }
}

function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq, at: row.at, tenant: row.tenant, actor: row.actor, action: row.action, target: row.target,
    outcome: row.outcome as AuditRecord['outcome'], requestId: row.request_id, details: parseDetails(row.details_json),
    prevHash: row.prev_hash, hash: row.hash,
  };
}

/** Stored details; text that is not a JSON object (only possible by tampering) is kept as a string so the hash check fails on it. */
function parseDetails(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch { /* fall through */ }
  return { _unparseable: String(json) };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
