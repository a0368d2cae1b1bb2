/**
 * The audit log's hash chain, shared by the server (which writes and verifies it) and any client that verifies an
 * export. Browser-safe: the SHA-256 function is passed in (node:crypto on the server, a sync hash elsewhere).
 *
 * `hash = sha256Hex(prevHash + auditCanonical(record without hash))`; the first record's `prevHash` is `AUDIT_GENESIS`.
 */
import type { AuditRecord } from './security.js';

/** `prevHash` of the first record: 64 zeros. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** Where a verified chain (or part of one) ends: the last `seq` and its `hash`; `{ seq: 0, hash: AUDIT_GENESIS }` before the first record. */
export interface AuditChainHead {
  seq: number;
  hash: string;
}

/** `ok` with the number of records checked and the last hash, or the first bad `seq` and why. */
export type AuditChainResult = { ok: true; count: number; head: string } | { ok: false; seq: number; reason: string };

/**
 * Canonical JSON of a record without its `hash`: object keys sorted (by UTF-16 code unit) at every depth, no
 * whitespace, `undefined` members left out (and `null` in arrays), non-finite numbers as `null`.
 *
 * @example auditCanonical({ seq: 1, at: '2025-01-01T00:00:00.000Z', …, details: { b: 1, a: 2 }, prevHash: AUDIT_GENESIS })
 * // → '{"action":…,"details":{"a":2,"b":1},…}'
 */
export function auditCanonical(record: Omit<AuditRecord, 'hash'>): string {
  const { hash: _ignored, ...rest } = record as Omit<AuditRecord, 'hash'> & { hash?: unknown };
  return canonicalJson(rest);
}

/**
 * Verifies a whole chain, or continues one from `start` (the head of the records before, for paging): `seq` must
 * start at `start.seq + 1` (1 for a whole chain) and grow by exactly 1, each `prevHash` must be the hash before it
 * (`AUDIT_GENESIS` for seq 1), and each `hash` must be `sha256Hex(prevHash + auditCanonical(rest))`. So an edited
 * field, a removed (first or middle) record and reordered records are all caught; the answer names the first bad seq.
 * A removed *last* record is not detectable from the records alone: compare `head` with an exported copy.
 *
 * @example verifyAuditChain(records, (text) => createHash('sha256').update(text, 'utf8').digest('hex'))
 */
export function verifyAuditChain(
  records: readonly AuditRecord[],
  sha256Hex: (text: string) => string,
  start: AuditChainHead = { seq: 0, hash: AUDIT_GENESIS },
): AuditChainResult {
  let previous = start;
  for (const record of records) {
    const expectedSeq = previous.seq + 1;
    const seq = Number.isSafeInteger(record.seq) ? record.seq : expectedSeq;
    if (record.seq !== expectedSeq) return { ok: false, seq, reason: `expected seq ${expectedSeq}, found ${String(record.seq)}: a record is missing or out of order` };
    if (record.prevHash !== previous.hash) return { ok: false, seq, reason: 'prevHash does not match the hash of the record before' };
    const { hash, ...rest } = record;
    if (hash !== sha256Hex(record.prevHash + auditCanonical(rest))) return { ok: false, seq, reason: 'hash does not match the record: it was edited' };
    previous = { seq, hash };
  }
  return { ok: true, count: records.length, head: previous.hash };
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(scalar(value)) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const members = Object.keys(value).sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined && typeof (value as Record<string, unknown>)[key] !== 'function')
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${members.join(',')}}`;
}

function scalar(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol' || value === undefined) return null;
  return value;
}
