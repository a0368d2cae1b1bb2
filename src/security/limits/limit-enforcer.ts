import { fail } from '../../core/index.js';
import type { Limits } from '../../protocol/index.js';
import { rateLimitHeaders, type RateLimitHeaders } from './rate-limit-headers.js';
import { TokenBucket, type TokenBucketResult } from './token-bucket.js';
import { isUtcMonth, nextUtcMonthStart, utcMonth } from './utc-month.js';

/** Whose limits apply to a request: `key:<id>` or `tenant:<name>`, with the limits in force right now. */
export interface LimitSubject {
  id: string;
  limits: Limits;
}

/** `request`: any API call (rate only). `inference`: a model run (rate, concurrency and monthly quotas). */
export type LimitKind = 'request' | 'inference';

/** Usage reported when an admitted request ends. */
export interface ReleaseUsage {
  /** Model compute time of the request, added to the monthly compute of every subject. */
  computeMs: number;
}

/** The request may run. Call `release` exactly when it ends (further calls do nothing). */
export interface AdmissionGranted {
  ok: true;
  headers: RateLimitHeaders;
  release(usage?: ReleaseUsage): void;
}

/** The request must be refused with 429, `Retry-After: retryAfterSeconds` and `headers`. Nothing was consumed. */
export interface AdmissionRefused {
  ok: false;
  code: 'RATE_LIMITED' | 'CONCURRENCY_LIMITED' | 'QUOTA_EXCEEDED';
  message: string;
  retryAfterSeconds: number;
  headers: RateLimitHeaders;
}

/** The answer of `LimitEnforcer.admit`: narrow on `ok`. */
export type Admission = AdmissionGranted | AdmissionRefused;

export interface LimitEnforcerOptions {
  /** Clock in ms; defaults to `Date.now`. */
  now?: () => number;
}

/** In-memory state of one subject. `inFlight` survives a month change; the monthly counters do not. */
interface SubjectState {
  bucket: TokenBucket | undefined;
  inFlight: number;
  month: string;
  requests: number;
  computeMs: number;
}

interface Refusal {
  code: AdmissionRefused['code'];
  message: string;
  retryAfterMs: number;
}

interface Check {
  subject: LimitSubject;
  state: SubjectState;
  peek: TokenBucketResult | undefined;
}

/** Seconds a client refused for concurrency should wait before retrying. */
const CONCURRENCY_RETRY_MS = 1000;

/**
 * Enforces the `Limits` of keys and tenants (security.md §4.5): a token bucket per subject for every request, and for
 * inference a concurrency cap and monthly request and compute quotas (UTC calendar month). A request is admitted only
 * if every subject admits it, and a refused request consumes nothing. State is in memory; seed the monthly counters
 * from the usage table at start with `seedMonthlyUsage`.
 *
 * @example
 * const enforcer = new LimitEnforcer();
 * const admission = enforcer.admit([{ id: 'key:abc', limits: key.limits }, { id: 'tenant:acme', limits: tenant.limits }], 'inference');
 * if (!admission.ok) return reply429(admission);
 * try { const out = await run(); admission.release({ computeMs: out.computeMs }); } catch (e) { admission.release(); throw e; }
 */
export class LimitEnforcer {
  readonly #now: () => number;
  readonly #subjects = new Map<string, SubjectState>();

  constructor(options: LimitEnforcerOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Checks every subject, then (only if all pass) takes a token, a concurrency slot and a monthly request from each. */
  admit(subjects: readonly LimitSubject[], kind: LimitKind): Admission {
    if (kind !== 'request' && kind !== 'inference') fail('INVALID_PARAMETER', `Limit kind must be "request" or "inference", got ${JSON.stringify(kind)}.`);
    const now = this.#now();
    const month = utcMonth(now);
    const checks = uniqueById(subjects).map((subject): Check => {
      const state = this.#state(subject.id, month);
      const bucket = syncBucket(state, subject.limits, now);
      return { subject, state, peek: bucket?.peek(now) };
    });
    const refusal = worstRefusal(checks.flatMap((check) => refusalsOf(check, kind, now)));
    if (refusal !== undefined) {
      const headers = rateLimitHeaders(checks.flatMap((c) => (c.state.bucket && c.peek ? [{ bucket: c.state.bucket, result: c.peek }] : [])), true);
      return { ok: false, code: refusal.code, message: refusal.message, retryAfterSeconds: toRetrySeconds(refusal.retryAfterMs), headers };
    }
    const taken = checks.flatMap((c) => (c.state.bucket ? [{ bucket: c.state.bucket, result: c.state.bucket.take(now) }] : []));
    if (kind === 'inference') for (const { state } of checks) { state.inFlight += 1; state.requests += 1; }
    return { ok: true, headers: rateLimitHeaders(taken, false), release: this.#releaser(checks.map((c) => c.subject.id), kind) };
  }

  /**
   * Raises the monthly counters of `subjectId` to at least the given totals (they never go down, so seeding after
   * traffic has started does not forget it). Only the current month counts; other months are ignored.
   *
   * @example for (const t of meter.monthTotals(month)) enforcer.seedMonthlyUsage(t.subjectId, month, t.requests, t.computeMs);
   */
  seedMonthlyUsage(subjectId: string, month: string, requests: number, computeMs: number): void {
    if (!isUtcMonth(month)) fail('INVALID_PARAMETER', `Month must be written YYYY-MM, got ${JSON.stringify(month)}.`);
    if (!isCount(requests) || !isCount(computeMs)) fail('INVALID_PARAMETER', `Seeded usage must be non-negative numbers, got ${requests} requests and ${computeMs} ms.`);
    const current = utcMonth(this.#now());
    if (month !== current) return;
    const state = this.#state(subjectId, current);
    state.requests = Math.max(state.requests, requests);
    state.computeMs = Math.max(state.computeMs, computeMs);
  }

  #state(id: string, month: string): SubjectState {
    let state = this.#subjects.get(id);
    if (state === undefined) {
      state = { bucket: undefined, inFlight: 0, month, requests: 0, computeMs: 0 };
      this.#subjects.set(id, state);
    } else if (state.month !== month) {
      state.month = month;
      state.requests = 0;
      state.computeMs = 0;
    }
    return state;
  }

  #releaser(ids: string[], kind: LimitKind): (usage?: ReleaseUsage) => void {
    let released = false;
    return (usage) => {
      if (released) return;
      released = true;
      const month = utcMonth(this.#now());
      const computeMs = usage !== undefined && isCount(usage.computeMs) ? usage.computeMs : 0;
      for (const id of ids) {
        const state = this.#state(id, month);
        if (kind === 'inference') state.inFlight = Math.max(0, state.inFlight - 1);
        state.computeMs += computeMs;
      }
    };
  }
}

/** Keeps the first subject of each id, so a subject listed twice is charged once. */
function uniqueById(subjects: readonly LimitSubject[]): LimitSubject[] {
  const seen = new Set<string>();
  return subjects.filter((subject) => {
    if (typeof subject.id !== 'string' || subject.id.length === 0) fail('INVALID_PARAMETER', 'A limit subject needs a non-empty id such as "key:<id>" or "tenant:<name>".');
    if (seen.has(subject.id)) return false;
    seen.add(subject.id);
    return true;
  });
}

/** Makes `state.bucket` match the current rate limit: kept, rebuilt (starting full) when rate or burst changed, or dropped. */
function syncBucket(state: SubjectState, limits: Limits, now: number): TokenBucket | undefined {
  const rate = limits.requestsPerSecond;
  if (rate === undefined) return (state.bucket = undefined);
  const burst = limits.burst ?? Math.max(1, rate);
  if (state.bucket === undefined || state.bucket.ratePerSecond !== rate || state.bucket.burst !== burst) state.bucket = new TokenBucket(rate, burst, now);
  return state.bucket;
}

function refusalsOf({ subject, state, peek }: Check, kind: LimitKind, now: number): Refusal[] {
  const { limits, id } = subject;
  const refusals: Refusal[] = [];
  if (peek !== undefined && !peek.ok) {
    refusals.push({ code: 'RATE_LIMITED', retryAfterMs: peek.retryAfterMs,
      message: `${id} is limited to ${limits.requestsPerSecond} requests per second (burst ${state.bucket?.burst}): retry after the Retry-After delay or ask for a higher limit.` });
  }
  if (kind !== 'inference') return refusals;
  if (limits.concurrent !== undefined && state.inFlight >= limits.concurrent) {
    refusals.push({ code: 'CONCURRENCY_LIMITED', retryAfterMs: CONCURRENCY_RETRY_MS,
      message: `${id} already has ${state.inFlight} inference requests in flight, its limit: wait for one to finish or ask for a higher limit.` });
  }
  const untilNextMonth = nextUtcMonthStart(now) - now;
  if (limits.monthlyRequests !== undefined && state.requests >= limits.monthlyRequests) {
    refusals.push({ code: 'QUOTA_EXCEEDED', retryAfterMs: untilNextMonth,
      message: `${id} has used its ${limits.monthlyRequests} inference requests for ${state.month}: wait for next month or ask for a higher quota.` });
  }
  if (limits.monthlyComputeMs !== undefined && state.computeMs >= limits.monthlyComputeMs) {
    refusals.push({ code: 'QUOTA_EXCEEDED', retryAfterMs: untilNextMonth,
      message: `${id} has used its ${limits.monthlyComputeMs} ms of compute for ${state.month}: wait for next month or ask for a higher quota.` });
  }
  return refusals;
}

/** The refusal a client must wait longest for (retrying earlier would be refused again); the first one on a tie. */
function worstRefusal(refusals: Refusal[]): Refusal | undefined {
  return refusals.reduce<Refusal | undefined>((worst, r) => (worst === undefined || r.retryAfterMs > worst.retryAfterMs ? r : worst), undefined);
}

function toRetrySeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function isCount(value: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
