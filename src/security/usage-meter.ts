import { fail } from '../core/index.js';
import type { SqlDatabase } from '../db/index.js';
import type { UsageRow } from '../protocol/index.js';
import { isUtcMonth } from './limits/index.js';
import { USAGE_GROUP_FIELD, parseUsageQuery, type UsageGroup, type UsageMetrics, type UsageQuery } from './usage-query.js';

/** One finished request as the meter sees it. */
export interface UsageEntry {
  tenant: string;
  keyId: string;
  /** Qualified model name (`tenant/model`). */
  model: string;
  version: number;
  /** False for a request that ended in an error (counted in `errors` as well as `requests`). */
  ok: boolean;
  bytesIn: number;
  bytesOut: number;
  queueMs: number;
  computeMs: number;
}

/** A subject's usage in one month, for `LimitEnforcer.seedMonthlyUsage`. */
export interface MonthTotal {
  /** `key:<id>` or `tenant:<name>`. */
  subjectId: string;
  requests: number;
  computeMs: number;
}

export interface UsageMeterOptions {
  /** Clock for the UTC day of a record; defaults to `() => new Date()`. */
  now?: () => Date;
  /** Called when a timed flush fails (the deltas stay pending and are tried again); defaults to ignoring it. */
  onFlushError?: (error: unknown) => void;
}

/** The grouping fields of one `usage_daily` row. */
interface UsageCell {
  day: string;
  tenant: string;
  keyId: string;
  model: string;
  version: number;
}

/** SQL expression of each grouping field over `usage_daily`. */
const GROUP_SQL: Readonly<Record<UsageGroup, string>> = {
  day: 'day', month: 'substr(day, 1, 7)', tenant: 'tenant', key: 'key_id', model: 'model', version: 'version',
};

const SUMS_SQL = 'COUNT(*) AS n, SUM(requests) AS requests, SUM(errors) AS errors, SUM(bytes_in) AS bytesIn, '
  + 'SUM(bytes_out) AS bytesOut, SUM(queue_ms) AS queueMs, SUM(compute_ms) AS computeMs';

const UPSERT_SQL = `INSERT INTO usage_daily (day, tenant, key_id, model, version, requests, errors, bytes_in, bytes_out, queue_ms, compute_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (day, tenant, key_id, model, version) DO UPDATE SET
    requests = requests + excluded.requests, errors = errors + excluded.errors,
    bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out,
    queue_ms = queue_ms + excluded.queue_ms, compute_ms = compute_ms + excluded.compute_ms`;

/**
 * Meters requests per UTC day, tenant, key, model and version. `record` only adds to deltas in memory (the request
 * path never writes to SQLite); `flush` applies them to `usage_daily` in one transaction, on a timer once `start`ed.
 * Reads (`query`, `monthTotals`) add the pending deltas, so they are always current.
 *
 * @example
 * const meter = new UsageMeter(db); meter.start();
 * meter.record({ tenant: 'acme', keyId: 'k1', model: 'acme/mlp', version: 3, ok: true, bytesIn: 64, bytesOut: 16, queueMs: 0.2, computeMs: 1.5 });
 * meter.query({ from: '2025-01-01', groupBy: ['day', 'model'] });
 * meter.stop(); // flushes
 */
export class UsageMeter {
  readonly #db: SqlDatabase;
  readonly #now: () => Date;
  readonly #onFlushError: (error: unknown) => void;
  #pending = new Map<string, { cell: UsageCell; metrics: UsageMetrics }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(db: SqlDatabase, options: UsageMeterOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#onFlushError = options.onFlushError ?? (() => {});
  }

  /** Adds one finished request to today's (UTC) pending deltas. Negative or non-finite amounts count as 0. */
  record(entry: UsageEntry): void {
    const cell: UsageCell = { day: this.#now().toISOString().slice(0, 10), tenant: String(entry.tenant), keyId: String(entry.keyId),
      model: String(entry.model), version: Math.trunc(amount(entry.version)) };
    const key = JSON.stringify([cell.day, cell.tenant, cell.keyId, cell.model, cell.version]);
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = { cell, metrics: zeroMetrics() };
      this.#pending.set(key, pending);
    }
    addMetrics(pending.metrics, { requests: 1, errors: entry.ok ? 0 : 1, bytesIn: amount(entry.bytesIn),
      bytesOut: amount(entry.bytesOut), queueMs: amount(entry.queueMs), computeMs: amount(entry.computeMs) });
  }

  /** Number of (day, tenant, key, model, version) cells waiting to be flushed. */
  get pendingCells(): number {
    return this.#pending.size;
  }

  /**
   * Writes all pending deltas in one `BEGIN IMMEDIATE` transaction, then forgets them. If the transaction fails the
   * deltas stay pending (nothing was written), so a later flush writes each exactly once. Must not run inside another
   * transaction (its rollback would lose the deltas): throws if one is open.
   */
  flush(): void {
    if (this.#pending.size === 0) return;
    if (this.#db.inTransaction) throw new Error('UsageMeter.flush() must not run inside another transaction: call it outside db.immediate().');
    const batch = this.#pending;
    this.#db.immediate(() => {
      const upsert = this.#db.prepare(UPSERT_SQL);
      for (const { cell, metrics: m } of batch.values()) {
        upsert.run(cell.day, cell.tenant, cell.keyId, cell.model, cell.version, m.requests, m.errors, m.bytesIn, m.bytesOut, m.queueMs, m.computeMs);
      }
    });
    this.#pending = new Map();
  }

  /**
   * Flushes every `intervalMs` (default 1000) on an unref'd timer, so it never keeps the process alive. A failed
   * flush goes to `onFlushError` and is retried on the next tick. Calling it again replaces the timer.
   */
  start(intervalMs = 1000): void {
    if (!(Number.isFinite(intervalMs) && intervalMs >= 1)) fail('INVALID_PARAMETER', `Usage flush interval must be at least 1 ms, got ${intervalMs}.`);
    this.stop(false);
    this.#timer = setInterval(() => {
      try { this.flush(); } catch (error) { this.#onFlushError(error); }
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and (unless `flush` is false) flushes what is pending; a failing flush throws. */
  stop(flush = true): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (flush) this.flush();
  }

  /**
   * Usage totals grouped by `groupBy`, stored and pending together, sorted by the grouping fields in their order
   * (strings by code unit, versions numerically). Throws `INVALID_PARAMETER` for a bad date, tenant or grouping.
   *
   * @example meter.query({ from: '2025-01-01', to: '2025-01-31', tenant: 'acme', groupBy: ['key', 'model'] })
   */
  query(query: UsageQuery): UsageRow[] {
    const { from, to, tenant, groupBy } = parseUsageQuery(query);
    const totals = new Map<string, { values: Array<string | number>; metrics: UsageMetrics }>();
    const add = (values: Array<string | number>, metrics: UsageMetrics): void => {
      const key = JSON.stringify(values);
      const total = totals.get(key) ?? { values, metrics: zeroMetrics() };
      addMetrics(total.metrics, metrics);
      totals.set(key, total);
    };
    for (const row of this.#storedTotals(groupBy, from, to, tenant)) {
      add(groupBy.map((_, i) => row[`g${i}`] as string | number), row);
    }
    for (const { cell, metrics } of this.#pending.values()) {
      if ((from !== undefined && cell.day < from) || (to !== undefined && cell.day > to) || (tenant !== undefined && cell.tenant !== tenant)) continue;
      add(groupBy.map((group) => groupValue(cell, group)), metrics);
    }
    return [...totals.values()].sort((a, b) => compareValues(a.values, b.values)).map(({ values, metrics }) => toUsageRow(groupBy, values, metrics));
  }

  /**
   * Requests and compute per `key:<id>` and per `tenant:<name>` in `month` (`YYYY-MM`), stored and pending, sorted by
   * subject id: what `LimitEnforcer.seedMonthlyUsage` needs at start.
   */
  monthTotals(month: string): MonthTotal[] {
    if (typeof month !== 'string' || !isUtcMonth(month)) fail('INVALID_PARAMETER', `Invalid month ${JSON.stringify(String(month).slice(0, 40))}: use YYYY-MM.`);
    const range = { from: `${month}-01`, to: `${month}-31` };
    const subjects = new Map<string, MonthTotal>();
    const add = (subjectId: string, requests: number, computeMs: number): void => {
      const total = subjects.get(subjectId) ?? { subjectId, requests: 0, computeMs: 0 };
      total.requests += requests;
      total.computeMs += computeMs;
      subjects.set(subjectId, total);
    };
    for (const [group, prefix] of [['key', 'key:'], ['tenant', 'tenant:']] as const) {
      for (const row of this.#storedTotals([group], range.from, range.to, undefined)) add(`${prefix}${String(row.g0)}`, row.requests, row.computeMs);
    }
    for (const { cell, metrics } of this.#pending.values()) {
      if (!cell.day.startsWith(`${month}-`)) continue;
      add(`key:${cell.keyId}`, metrics.requests, metrics.computeMs);
      add(`tenant:${cell.tenant}`, metrics.requests, metrics.computeMs);
    }
    return [...subjects.values()].sort((a, b) => compareValues([a.subjectId], [b.subjectId]));
  }

  /** Sums of `usage_daily` grouped by the SQL of `groupBy` (as columns g0, g1, …); the grouping SQL is from a fixed table. */
  #storedTotals(groupBy: readonly UsageGroup[], from: string | undefined, to: string | undefined, tenant: string | undefined): Array<UsageMetrics & Record<string, unknown>> {
    const where: string[] = [];
    const params: string[] = [];
    if (from !== undefined) { where.push('day >= ?'); params.push(from); }
    if (to !== undefined) { where.push('day <= ?'); params.push(to); }
    if (tenant !== undefined) { where.push('tenant = ?'); params.push(tenant); }
    const groups = groupBy.map((group, i) => `${GROUP_SQL[group]} AS g${i}`);
    const sql = `SELECT ${[...groups, SUMS_SQL].join(', ')} FROM usage_daily`
      + (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '')
      + (groupBy.length > 0 ? ` GROUP BY ${groupBy.map((_, i) => `g${i}`).join(', ')}` : '');
    return this.#db.prepare<UsageMetrics & { n: number } & Record<string, unknown>>(sql).all(...params).filter((row) => row.n > 0);
  }
}

function groupValue(cell: UsageCell, group: UsageGroup): string | number {
  switch (group) {
    case 'day': return cell.day;
    case 'month': return cell.day.slice(0, 7);
    case 'tenant': return cell.tenant;
    case 'key': return cell.keyId;
    case 'model': return cell.model;
    case 'version': return cell.version;
  }
}

function toUsageRow(groupBy: readonly UsageGroup[], values: ReadonlyArray<string | number>, metrics: UsageMetrics): UsageRow {
  const row: Record<string, unknown> = {};
  groupBy.forEach((group, i) => { row[USAGE_GROUP_FIELD[group]] = values[i]; });
  return { ...(row as Partial<UsageRow>), ...metrics };
}

/** Orders tuples field by field: numbers numerically, strings by UTF-16 code unit (never by locale). */
function compareValues(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function zeroMetrics(): UsageMetrics {
  return { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0, queueMs: 0, computeMs: 0 };
}

function addMetrics(target: UsageMetrics, delta: UsageMetrics): void {
  target.requests += delta.requests;
  target.errors += delta.errors;
  target.bytesIn += delta.bytesIn;
  target.bytesOut += delta.bytesOut;
  target.queueMs += delta.queueMs;
  target.computeMs += delta.computeMs;
}

function amount(value: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
