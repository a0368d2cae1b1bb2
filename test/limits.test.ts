import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Limits } from '../src/protocol/index.js';
import { LimitEnforcer, TokenBucket, type Admission, type AdmissionGranted, type LimitSubject } from '../src/security/index.js';

/** A clock the test moves by hand. */
function fakeClock(start: number): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => { current += ms; }, set: (ms) => { current = ms; } };
}

const MID_MONTH = Date.UTC(2025, 2, 14, 12, 0, 0);
const key = (limits: Limits, id = 'key:abc123'): LimitSubject => ({ id, limits });
const tenant = (limits: Limits, id = 'tenant:acme'): LimitSubject => ({ id, limits });

function granted(admission: Admission): AdmissionGranted {
  assert.equal(admission.ok, true, admission.ok ? '' : `refused: ${admission.code} ${admission.message}`);
  return admission as AdmissionGranted;
}

function refused(admission: Admission, code: string): Extract<Admission, { ok: false }> {
  assert.equal(admission.ok, false, 'expected a refusal');
  assert.ok(!admission.ok);
  assert.equal(admission.code, code, admission.message);
  return admission;
}

describe('TokenBucket', () => {
  it('starts full, refills at its rate and reports waits', () => {
    const bucket = new TokenBucket(2, 3, 0);
    assert.deepEqual([1, 2, 3].map(() => bucket.take(0).ok), [true, true, true]);
    const empty = bucket.take(0);
    assert.deepEqual(empty, { ok: false, remaining: 0, retryAfterMs: 500, resetMs: 1500 });
    assert.equal(bucket.peek(499).ok, false);
    assert.equal(bucket.take(500).ok, true);
    assert.equal(bucket.take(400).ok, false, 'a clock going backwards refills nothing');
    assert.throws(() => new TokenBucket(0, 1, 0), RangeError);
    assert.throws(() => new TokenBucket(1, 0.5, 0), RangeError);
  });
});

describe('LimitEnforcer: request rate', () => {
  it('admits about rate × time + burst over a simulated 4 s', () => {
    const clock = fakeClock(MID_MONTH);
    const enforcer = new LimitEnforcer({ now: clock.now });
    const subjects = [key({ requestsPerSecond: 5, burst: 10 })];
    let admitted = 0;
    for (let t = 0; t <= 4000; t += 10) {
      clock.set(MID_MONTH + t);
      if (enforcer.admit(subjects, 'request').ok) admitted += 1;
    }
    assert.ok(admitted >= 29 && admitted <= 30, `admitted ${admitted}, expected ≈ 5 × 4 + 10`);

    const fresh = new LimitEnforcer({ now: clock.now });
    let defaultBurst = 0;
    for (let t = 0; t <= 4000; t += 10) {
      clock.set(MID_MONTH + 10_000 + t);
      if (fresh.admit([key({ requestsPerSecond: 5 })], 'request').ok) defaultBurst += 1;
    }
    assert.ok(defaultBurst >= 24 && defaultBurst <= 25, `admitted ${defaultBurst}, expected ≈ 5 × 4 + 5 (burst defaults to the rate)`);
  });

  it('sets the RateLimit headers and Retry-After', () => {
    const clock = fakeClock(MID_MONTH);
    const enforcer = new LimitEnforcer({ now: clock.now });
    const subjects = [key({ requestsPerSecond: 0.5, burst: 2 })];
    assert.deepEqual(granted(enforcer.admit(subjects, 'request')).headers,
      { 'ratelimit-limit': '2', 'ratelimit-remaining': '1', 'ratelimit-reset': '2' });
    assert.deepEqual(granted(enforcer.admit(subjects, 'request')).headers,
      { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '4' });
    const refusal = refused(enforcer.admit(subjects, 'request'), 'RATE_LIMITED');
    assert.equal(refusal.retryAfterSeconds, 2);
    assert.deepEqual(refusal.headers, { 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' });
    assert.match(refusal.message, /key:abc123/);
    clock.advance(1999);
    const almost = refused(enforcer.admit(subjects, 'request'), 'RATE_LIMITED');
    assert.equal(almost.retryAfterSeconds, 1, 'never below 1 second');
    assert.equal(almost.headers['ratelimit-reset'], '1');
    clock.advance(1);
    assert.equal(enforcer.admit(subjects, 'request').ok, true);
  });

  it('answers empty headers when no subject has a rate limit', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    assert.deepEqual(granted(enforcer.admit([key({}), tenant({ concurrent: 3 })], 'inference')).headers, {});
    assert.deepEqual(granted(enforcer.admit([], 'inference')).headers, {});
    const refusal = refused(enforcer.admit([key({ monthlyRequests: 1 })], 'inference'), 'QUOTA_EXCEEDED');
    assert.deepEqual(refusal.headers, {});
  });

  it('reports the most constraining subject in the headers', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    const subjects = [key({ requestsPerSecond: 100, burst: 50 }), tenant({ requestsPerSecond: 1, burst: 3 })];
    assert.deepEqual(granted(enforcer.admit(subjects, 'request')).headers,
      { 'ratelimit-limit': '3', 'ratelimit-remaining': '2', 'ratelimit-reset': '1' });
  });

  it('rebuilds a bucket when the limits change', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    assert.equal(enforcer.admit([key({ requestsPerSecond: 1, burst: 1 })], 'request').ok, true);
    refused(enforcer.admit([key({ requestsPerSecond: 1, burst: 1 })], 'request'), 'RATE_LIMITED');
    assert.equal(enforcer.admit([key({ requestsPerSecond: 10 })], 'request').ok, true, 'a new rate takes effect at once');
    assert.equal(enforcer.admit([key({})], 'request').ok, true, 'removing the limit removes the bucket');
  });
});

describe('LimitEnforcer: refusals consume nothing', () => {
  it('takes no token, slot or monthly request from any subject when one refuses', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    const subjects = [key({ requestsPerSecond: 1, burst: 3, monthlyRequests: 2 }), tenant({ concurrent: 1 })];
    const first = granted(enforcer.admit(subjects, 'inference'));
    assert.equal(first.headers['ratelimit-remaining'], '2');
    for (let i = 0; i < 5; i += 1) refused(enforcer.admit(subjects, 'inference'), 'CONCURRENCY_LIMITED');
    first.release();
    const second = granted(enforcer.admit(subjects, 'inference'));
    assert.equal(second.headers['ratelimit-remaining'], '1', 'the five refusals took no token from the key');
    second.release();
    const third = refused(enforcer.admit(subjects, 'inference'), 'QUOTA_EXCEEDED');
    assert.match(third.message, /key:abc123/, 'only the two admitted requests counted against the monthly quota');
    assert.equal(third.headers['ratelimit-remaining'], '0');
  });

  it('does not charge the key when the tenant refuses on rate', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    const keyLimits = { requestsPerSecond: 1, burst: 5 };
    const tenantLimits = { requestsPerSecond: 1, burst: 1 };
    granted(enforcer.admit([key(keyLimits), tenant(tenantLimits)], 'request'));
    for (let i = 0; i < 3; i += 1) refused(enforcer.admit([key(keyLimits), tenant(tenantLimits)], 'request'), 'RATE_LIMITED');
    assert.equal(granted(enforcer.admit([key(keyLimits)], 'request')).headers['ratelimit-remaining'], '3');
  });
});

describe('LimitEnforcer: concurrency', () => {
  it('caps inference in flight until released, and release is idempotent', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    const subjects = [key({ concurrent: 2 })];
    const a = granted(enforcer.admit(subjects, 'inference'));
    const b = granted(enforcer.admit(subjects, 'inference'));
    const refusal = refused(enforcer.admit(subjects, 'inference'), 'CONCURRENCY_LIMITED');
    assert.equal(refusal.retryAfterSeconds, 1);
    assert.equal(enforcer.admit(subjects, 'request').ok, true, 'plain requests are not counted as in flight');
    a.release();
    a.release();
    a.release({ computeMs: 5 });
    const c = granted(enforcer.admit(subjects, 'inference'));
    refused(enforcer.admit(subjects, 'inference'), 'CONCURRENCY_LIMITED');
    b.release();
    c.release();
    granted(enforcer.admit(subjects, 'inference'));
    granted(enforcer.admit(subjects, 'inference'));
    refused(enforcer.admit(subjects, 'inference'), 'CONCURRENCY_LIMITED');
  });
});

describe('LimitEnforcer: monthly quotas', () => {
  it('counts inference requests per UTC month and resets at the rollover', () => {
    const clock = fakeClock(Date.UTC(2025, 0, 31, 23, 59, 0));
    const enforcer = new LimitEnforcer({ now: clock.now });
    const subjects = [key({ monthlyRequests: 3 })];
    for (let i = 0; i < 3; i += 1) granted(enforcer.admit(subjects, 'inference')).release();
    assert.equal(enforcer.admit(subjects, 'request').ok, true, 'plain requests do not use the inference quota');
    const refusal = refused(enforcer.admit(subjects, 'inference'), 'QUOTA_EXCEEDED');
    assert.equal(refusal.retryAfterSeconds, 60, 'Retry-After is the time until the next month starts');
    clock.advance(59_999);
    assert.equal(refused(enforcer.admit(subjects, 'inference'), 'QUOTA_EXCEEDED').retryAfterSeconds, 1);
    clock.advance(1);
    for (let i = 0; i < 3; i += 1) granted(enforcer.admit(subjects, 'inference')).release();
    refused(enforcer.admit(subjects, 'inference'), 'QUOTA_EXCEEDED');
  });

  it('adds compute at release and refuses once the monthly compute is used', () => {
    const clock = fakeClock(Date.UTC(2024, 11, 31, 12, 0, 0));
    const enforcer = new LimitEnforcer({ now: clock.now });
    const subjects = [key({}), tenant({ monthlyComputeMs: 100 })];
    const running = granted(enforcer.admit(subjects, 'inference'));
    granted(enforcer.admit(subjects, 'inference')).release({ computeMs: 60 });
    running.release({ computeMs: 50 });
    running.release({ computeMs: 1000 });
    const refusal = refused(enforcer.admit(subjects, 'inference'), 'QUOTA_EXCEEDED');
    assert.match(refusal.message, /tenant:acme.*100 ms/);
    assert.equal(refusal.retryAfterSeconds, 12 * 3600);
    clock.set(Date.UTC(2025, 0, 1, 0, 0, 0));
    granted(enforcer.admit(subjects, 'inference')).release({ computeMs: 99 });
    granted(enforcer.admit(subjects, 'inference')).release({ computeMs: 1 });
    refused(enforcer.admit(subjects, 'inference'), 'QUOTA_EXCEEDED');
  });

  it('keeps the concurrency count across a month change', () => {
    const clock = fakeClock(Date.UTC(2025, 5, 30, 23, 59, 59));
    const enforcer = new LimitEnforcer({ now: clock.now });
    const subjects = [key({ concurrent: 1, monthlyRequests: 10 })];
    const running = granted(enforcer.admit(subjects, 'inference'));
    clock.advance(2000);
    refused(enforcer.admit(subjects, 'inference'), 'CONCURRENCY_LIMITED');
    running.release();
    granted(enforcer.admit(subjects, 'inference'));
  });

  it('is seeded from stored usage (current month only, never lowered)', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    enforcer.seedMonthlyUsage('key:abc123', '2025-03', 4, 0);
    enforcer.seedMonthlyUsage('key:abc123', '2025-03', 1, 0);
    enforcer.seedMonthlyUsage('tenant:acme', '2025-02', 1000, 1e9);
    const subjects = [key({ monthlyRequests: 5 }), tenant({ monthlyRequests: 100, monthlyComputeMs: 10 })];
    granted(enforcer.admit(subjects, 'inference')).release();
    assert.match(refused(enforcer.admit(subjects, 'inference'), 'QUOTA_EXCEEDED').message, /key:abc123/);
    enforcer.seedMonthlyUsage('tenant:acme', '2025-03', 0, 10);
    assert.match(refused(enforcer.admit([key({}, 'key:other'), subjects[1]], 'inference'), 'QUOTA_EXCEEDED').message, /tenant:acme.*compute/);
    assert.throws(() => enforcer.seedMonthlyUsage('key:x', '2025-13', 1, 1), { code: 'INVALID_PARAMETER' });
    assert.throws(() => enforcer.seedMonthlyUsage('key:x', '2025-03', -1, 1), { code: 'INVALID_PARAMETER' });
  });
});

describe('LimitEnforcer: key and tenant together', () => {
  it('applies the tenant limit to every key of the tenant, even keys without limits', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    const acme = tenant({ requestsPerSecond: 2, burst: 2, concurrent: 1 });
    const one = [key({}, 'key:one'), acme];
    const two = [key({}, 'key:two'), acme];
    granted(enforcer.admit(one, 'request'));
    granted(enforcer.admit(two, 'request'));
    const refusal = refused(enforcer.admit(one, 'request'), 'RATE_LIMITED');
    assert.match(refusal.message, /tenant:acme/);
    assert.equal(refusal.headers['ratelimit-limit'], '2');
    assert.equal(enforcer.admit([key({}, 'key:other'), tenant({}, 'tenant:beta')], 'request').ok, true, 'other tenants are unaffected');

    const concurrency = new LimitEnforcer({ now: () => MID_MONTH });
    const running = granted(concurrency.admit([key({}, 'key:one'), acme], 'inference'));
    refused(concurrency.admit([key({}, 'key:two'), acme], 'inference'), 'CONCURRENCY_LIMITED');
    running.release();
    granted(concurrency.admit([key({}, 'key:two'), acme], 'inference'));
  });

  it('charges a subject listed twice once, and reports the longest wait', () => {
    const enforcer = new LimitEnforcer({ now: () => MID_MONTH });
    const acme = tenant({ requestsPerSecond: 1, burst: 2 });
    granted(enforcer.admit([acme, acme], 'request'));
    granted(enforcer.admit([acme], 'request'));
    const both = refused(enforcer.admit([key({ concurrent: 0 }), tenant({ requestsPerSecond: 1, burst: 2, monthlyRequests: 0 })], 'inference'), 'QUOTA_EXCEEDED');
    assert.ok(both.retryAfterSeconds > 3600);
  });
});
