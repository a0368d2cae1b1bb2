/**
 * Per-client limits and usage metering over real HTTP (security.md §4.5, B29, B30): the token bucket of a key and of
 * its tenant, the concurrency limiter, the monthly quota across a restart, per-tenant fairness of a shared model's
 * queue, and the usage report (JSON and CSV) across a restart, scoped to the caller's tenant.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildInputControlledSlowModel, buildMlp, mlpReference, startTestServer, type TestServer } from '../src/testing/index.js';

let dataDir: string;
let server: TestServer;

interface Answer { status: number; body: any; headers: Headers; at: number; ms: number }

function json(method: string, body?: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
}

async function call(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Answer> {
  const started = performance.now();
  const response = await server.call(path, init);
  const text = await response.text();
  let body: any = text;
  try { body = JSON.parse(text); } catch { /* CSV or empty */ }
  const at = performance.now();
  return { status: response.status, body, headers: response.headers, at, ms: at - started };
}

async function ok(path: string, init: RequestInit & { key?: string | null } = {}, status = 200): Promise<any> {
  const answer = await call(path, init);
  assert.equal(answer.status, status, `${init.method ?? 'GET'} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const MLP_INPUT = [0.5, -1, 2, 0.25];
const mlpBody = (data: number[] = MLP_INPUT, shape = [1, 4]): unknown => ({ inputs: [{ name: 'input', shape, datatype: 'FP32', data }] });
const slowBody = (n: number): unknown => ({
  inputs: [{ name: 'x', shape: [1, 64], datatype: 'FP32', data: Array(64).fill(0.1) }, { name: 'n', shape: [], datatype: 'INT64', data: [n] }],
});

function infer(model: string, key: string, body: unknown = mlpBody()): Promise<Answer> {
  return call(`/v2/models/${model}/infer`, { ...json('POST', body), key });
}

async function createTenant(name: string, limits: Record<string, number> = {}): Promise<void> {
  await ok('/api/tenants', json('POST', { name, limits }), 201);
}

async function createKey(tenant: string, scopes: string[], limits?: Record<string, number>): Promise<{ key: string; id: string }> {
  const body = await ok('/api/keys', json('POST', { name: `${tenant}-${scopes.join('+')}`, tenant, scopes, ...(limits ? { limits } : {}) }), 201);
  assert.match(body.key, /^tsk_/);
  return { key: body.key, id: body.id };
}

function assertRateLimitHeaders(headers: Headers, limit?: string): void {
  for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
    assert.match(headers.get(name) ?? '', /^\d+$/, `${name} header missing or not a number`);
  }
  if (limit !== undefined) assert.equal(headers.get('ratelimit-limit'), limit);
}

/** Restarts the server on the same data folder (the old one drains and closes first). */
async function restart(): Promise<void> {
  await server.close();
  server = await startTestServer([], { dataDir });
}

/** Iterations of the controlled slow model that take about `ms` on this machine (measured, not assumed). */
async function calibrate(model: string, ms: number): Promise<number> {
  const probe = 20_000;
  await ok(`/v2/models/${model}/infer`, json('POST', slowBody(probe)));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await ok(`/v2/models/${model}/infer`, json('POST', slowBody(probe)));
    times.push(performance.now() - started);
  }
  const perIteration = Math.max(1e-4, Math.min(...times) / probe);
  return Math.max(1000, Math.round(ms / perIteration));
}

describe('limits and usage', () => {
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-limits-'));
    server = await startTestServer([], { dataDir });
    await ok('/api/models', json('POST', { name: 'mlp', visibility: 'public' }), 201);
    assert.equal((await server.client.pushVersion('mlp', buildMlp())).state, 'READY');
    await ok('/api/models', json('POST', { name: 'slow', visibility: 'public', runtime: { instances: 1 } }), 201);
    assert.equal((await server.client.pushVersion('slow', buildInputControlledSlowModel())).state, 'READY');
    await ok('/v2/models/mlp/infer', json('POST', mlpBody()));
  });
  after(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a key limited to 20 requests/s gets about rate × time + burst through in 3 s, the rest 429 with Retry-After and RateLimit headers', async (t) => {
    await createTenant('rl');
    const { key } = await createKey('rl', ['infer'], { requestsPerSecond: 20 });
    let [okCount, limited] = [0, 0];
    const problems: string[] = [];
    const started = performance.now();
    const deadline = started + 3000;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const answer = await infer('default/mlp', key);
        if (answer.status === 200) {
          okCount += 1;
          try { assertRateLimitHeaders(answer.headers, '20'); } catch (error) { problems.push(`200: ${String(error)}`); }
        } else if (answer.status === 429) {
          limited += 1;
          if (answer.body.code !== 'RATE_LIMITED') problems.push(`429 code ${answer.body.code}`);
          const retryAfter = Number(answer.headers.get('retry-after'));
          if (!(Number.isInteger(retryAfter) && retryAfter >= 1)) problems.push(`retry-after ${answer.headers.get('retry-after')}`);
          try { assertRateLimitHeaders(answer.headers, '20'); } catch (error) { problems.push(`429: ${String(error)}`); }
          if (answer.headers.get('ratelimit-remaining') !== '0') problems.push(`429 with ratelimit-remaining ${answer.headers.get('ratelimit-remaining')}`);
          if (Number(answer.headers.get('ratelimit-reset')) < 1) problems.push(`429 with ratelimit-reset ${answer.headers.get('ratelimit-reset')}`);
        } else {
          problems.push(`unexpected ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => worker()));
    const seconds = (performance.now() - started) / 1000;
    const expectedCount = 20 * seconds + 20;
    t.diagnostic(`rate limit: ${okCount} admitted, ${limited} refused in ${seconds.toFixed(2)} s (expected ≈ ${expectedCount.toFixed(0)})`);
    assert.deepEqual(problems.slice(0, 5), [], `${problems.length} bad answers`);
    assert.ok(limited > 0, 'the client was faster than its limit, so some requests must be refused');
    assert.ok(okCount >= 0.6 * expectedCount && okCount <= 1.4 * expectedCount,
      `${okCount} admitted in ${seconds.toFixed(2)} s, expected about ${expectedCount.toFixed(0)} (20/s + burst 20); ${limited} refused`);
  });

  it('a tenant limit binds every key of the tenant, even keys without limits of their own', async () => {
    await createTenant('rt', { requestsPerSecond: 1, burst: 3 });
    const first = await createKey('rt', ['infer']);
    const second = await createKey('rt', ['infer']);
    const info = await ok(`/api/keys/${first.id}`);
    assert.deepEqual(info.limits, {}, 'the key itself has no limits');
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push(await infer('default/mlp', i % 2 === 0 ? first.key : second.key));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.filter((s) => s === 200).length <= 4, `statuses ${statuses}`);
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200], 'the burst of 3 passes');
    const refused = answers.filter((a) => a.status === 429);
    assert.ok(refused.length >= 1, `statuses ${statuses}`);
    for (const answer of refused) {
      assert.equal(answer.body.code, 'RATE_LIMITED');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
      assertRateLimitHeaders(answer.headers, '3');
    }
    const outsider = await createKey('rl', ['infer']);
    assert.equal((await infer('default/mlp', outsider.key)).status, 200, 'another tenant is not affected');
  });

  it('B30: a key with concurrent: 2 firing 10 slow inferences → 2 run, 8 are refused at once with 429 CONCURRENCY_LIMITED', async () => {
    const n = await calibrate('slow', 700);
    await createTenant('cc');
    const { key } = await createKey('cc', ['infer'], { concurrent: 2 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => infer('default/slow', key, slowBody(n))));
    const succeeded = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(succeeded.length, 2, `statuses ${answers.map((a) => a.status)}`);
    assert.equal(refused.length, 8, `statuses ${answers.map((a) => a.status)}`);
    for (const answer of refused) {
      assert.equal(answer.body.code, 'CONCURRENCY_LIMITED');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1, `retry-after ${answer.headers.get('retry-after')}`);
    }
    const firstSuccess = Math.min(...succeeded.map((a) => a.at));
    const lastRefusal = Math.max(...refused.map((a) => a.at));
    assert.ok(lastRefusal < firstSuccess, 'every refusal arrives before either admitted request finishes (no waiting for a slot)');
    assert.equal((await infer('default/slow', key, slowBody(0))).status, 200, 'the slots are released afterwards');
  });

  it('a monthly quota of 3 refuses the 4th inference with 429 QUOTA_EXCEEDED until next month, also after a restart', async () => {
    await createTenant('quota');
    const { key } = await createKey('quota', ['infer'], { monthlyRequests: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await infer('default/mlp', key)).status, 200);
    const check = async (): Promise<void> => {
      const answer = await infer('default/mlp', key);
      assert.equal(answer.status, 429, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'QUOTA_EXCEEDED');
      const now = new Date();
      const untilNextMonth = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - now.getTime()) / 1000;
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(Math.abs(retryAfter - untilNextMonth) <= 10, `retry-after ${retryAfter}, next month starts in ${untilNextMonth.toFixed(0)} s`);
    };
    await check();
    await check();
    await restart();
    await check();
    const fresh = await createKey('quota', ['infer']);
    assert.equal((await infer('default/mlp', fresh.key)).status, 200, 'the quota is the key\'s, not the tenant\'s');
  });

  it('fairness: a tenant bursting 20 requests at a shared single-instance model does not hold back another tenant\'s request', async (t) => {
    const n = await calibrate('slow', 150);
    await createTenant('ta');
    await createTenant('tb');
    const a = await createKey('ta', ['infer']);
    const b = await createKey('tb', ['infer']);
    const solo: number[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await infer('default/slow', b.key, slowBody(n));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      solo.push(answer.ms);
    }
    const burst = Array.from({ length: 20 }, () => infer('default/slow', a.key, slowBody(n)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const bSentAt = performance.now();
    const bAnswer = await infer('default/slow', b.key, slowBody(n));
    const aAnswers = await Promise.all(burst);
    assert.equal(bAnswer.status, 200, JSON.stringify(bAnswer.body));
    assert.deepEqual(aAnswers.map((x) => x.status), Array(20).fill(200));
    const aAfterB = aAnswers.filter((x) => x.at > bAnswer.at).length;
    const aBeforeBSent = aAnswers.filter((x) => x.at < bSentAt).length;
    const soloMedian = [...solo].sort((x, y) => x - y)[1];
    t.diagnostic(`fairness (n = ${n}): B solo median ${soloMedian.toFixed(1)} ms, under A's burst ${bAnswer.ms.toFixed(1)} ms, ratio ${(bAnswer.ms / soloMedian).toFixed(2)}; ${aAfterB} of A's 20 finished after B (${aBeforeBSent} had finished before B was sent)`);
    assert.ok(aAfterB >= 15, `only ${aAfterB} of A's 20 requests finished after B's: B waited behind A's backlog`);
  });

  it('meters requests, errors, bytes and compute per key, model and version; CSV matches; survives a restart undoubled; tenant admins see only their tenant', async () => {
    await createTenant('acme');
    await createTenant('other');
    const acmeAdmin = await createKey('acme', ['tenant:admin']);
    const acmeInfer = await createKey('acme', ['infer']);
    const otherInfer = await createKey('other', ['infer']);
    const K = 5;
    const E = 3;
    for (let i = 0; i < K; i++) {
      const answer = await infer('default/mlp', acmeInfer.key, mlpBody([i, 1, 2, 3]));
      assert.equal(answer.status, 200);
      const expected = mlpReference({}, [i, 1, 2, 3]);
      answer.body.outputs[0].data.forEach((v: number, j: number) => assert.ok(Math.abs(v - expected[j]) < 1e-5));
    }
    const failures = [mlpBody([1, 2, 3, 4, 5], [1, 5]), mlpBody([1, 2, 3], [1, 3]), { inputs: [{ name: 'nope', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }];
    for (const body of failures.slice(0, E)) {
      const answer = await infer('default/mlp', acmeInfer.key, body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
    }
    for (let i = 0; i < 2; i++) assert.equal((await infer('default/mlp', otherInfer.key)).status, 200);

    const query = '/api/usage?groupBy=key,model';
    const rowsOf = async (path: string, key?: string): Promise<any[]> => (await ok(path, key === undefined ? {} : { key })).items;
    const byKey = (rows: any[], id: string): any[] => rows.filter((r) => r.keyId === id);
    const before = await rowsOf(query);
    const [acmeRow] = byKey(before, acmeInfer.id);
    assert.ok(acmeRow, JSON.stringify(before));
    assert.equal(byKey(before, acmeInfer.id).length, 1);
    assert.equal(acmeRow.model, 'default/mlp');
    assert.equal(acmeRow.requests, K + E);
    assert.equal(acmeRow.errors, E);
    assert.ok(acmeRow.bytesIn > 0 && acmeRow.bytesOut > 0 && acmeRow.computeMs > 0, JSON.stringify(acmeRow));
    assert.equal(byKey(before, otherInfer.id)[0]?.requests, 2);

    const csv = (await call(`${query}&format=csv`)).body as string;
    const [header, ...lines] = csv.trimEnd().split('\r\n');
    assert.equal(header, 'keyId,model,requests,errors,bytesIn,bytesOut,queueMs,computeMs');
    assert.equal(lines.length, before.length);
    const csvRow = lines.map((line) => line.split(',')).find((cells) => cells[0] === acmeInfer.id);
    assert.ok(csvRow, csv);
    assert.deepEqual(csvRow.slice(1).map((cell, i) => (i === 0 ? cell : Number(cell))),
      [acmeRow.model, acmeRow.requests, acmeRow.errors, acmeRow.bytesIn, acmeRow.bytesOut, acmeRow.queueMs, acmeRow.computeMs]);

    await restart();
    const after = await rowsOf(query);
    assert.equal(after.length, before.length);
    for (const [i, row] of after.entries()) {
      const old = before[i];
      for (const field of ['keyId', 'model', 'requests', 'errors', 'bytesIn', 'bytesOut']) assert.equal(row[field], old[field], `${field} of ${JSON.stringify(old)}`);
      for (const field of ['queueMs', 'computeMs']) assert.ok(Math.abs(row[field] - old[field]) <= 1e-6 * Math.max(1, old[field]), `${field}: ${row[field]} vs ${old[field]}`);
    }

    const scoped = await rowsOf('/api/usage?groupBy=tenant,key', acmeAdmin.key);
    assert.ok(scoped.length > 0);
    assert.ok(scoped.every((r) => r.tenant === 'acme'), JSON.stringify(scoped));
    assert.ok(scoped.some((r) => r.keyId === acmeInfer.id));
    const forced = await rowsOf('/api/usage?groupBy=tenant,key&tenant=other', acmeAdmin.key);
    assert.ok(forced.every((r) => r.tenant === 'acme'), `a tenant admin asking for another tenant still sees only its own: ${JSON.stringify(forced)}`);
    const scopedCsv = (await call('/api/usage?groupBy=tenant,key&format=csv', { key: acmeAdmin.key })).body as string;
    assert.ok(!scopedCsv.includes(otherInfer.id) && !scopedCsv.includes('other'), scopedCsv);
    assert.equal((await call('/api/usage', { key: acmeInfer.key })).status, 403, 'an infer-only key cannot read usage');
  });

  it('a failed inference on a resolved version is metered on that version (groupBy=key,model,version)', async () => {
    await createTenant('ver');
    const { key, id } = await createKey('ver', ['infer']);
    const K = 4;
    const E = 2;
    for (let i = 0; i < K; i++) assert.equal((await infer('default/mlp', key)).status, 200);
    for (let i = 0; i < E; i++) assert.equal((await infer('default/mlp', key, mlpBody([1, 2, 3], [1, 3]))).status, 400);
    const rows = (await ok('/api/usage?groupBy=key,model,version')).items.filter((r: any) => r.keyId === id);
    assert.deepEqual(rows.map((r: any) => ({ model: r.model, version: r.version, requests: r.requests, errors: r.errors })),
      [{ model: 'default/mlp', version: 1, requests: K + E, errors: E }],
      'the shape errors were refused by version 1 (it was resolved and its signature checked), so they belong to version 1, not to a "version 0"');
    const csv = (await call('/api/usage?groupBy=key,model,version&format=csv')).body as string;
    assert.ok(csv.startsWith('keyId,model,version,requests,errors,bytesIn,bytesOut,queueMs,computeMs\r\n'), csv);
  });
});
