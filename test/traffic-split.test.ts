/**
 * Traffic splits (issue "Versions in production", part 5) against a real server: `PUT /api/models/{name}/traffic`
 * spreads requests that name no version over weighted routes (versions or aliases), optionally sticky on a request
 * header; answers name the version that served them (`model_version`, `x-model-version`), and their numbers are that
 * version's. Validation (400), missing and unready targets (404/409), scopes (403), the audit trail, removal, the
 * `/predictions` header, the SDK and the CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { runCli } from '../src/cli/index.js';
import { TesseraClient, isTesseraError } from '../src/client/index.js';
import { buildMlp, buildSmallCnn, mlpReference, startTestServer, type TestServer } from '../src/testing/index.js';

const MODEL = 'split';
/** The weight seed of each version pushed to MODEL: v1, v2 and v3 give different numbers for the same input. */
const SEEDS: Record<number, number> = { 1: 11, 2: 22, 3: 33 };
const INPUT = [0.5, -1.25, 2, 0.75];
const INFER_BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: INPUT }] });

let server: TestServer;

interface Answer {
  status: number;
  /** `model_version` of the body. */
  bodyVersion: number;
  /** The `x-model-version` header. */
  headerVersion: number;
  data: number[];
  body: any;
}

async function infer(path = `/v2/models/${MODEL}/infer`, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await server.call(path, { method: 'POST', body: INFER_BODY, headers: { 'content-type': 'application/json', ...headers } });
  const body = await response.json() as any;
  assert.equal(response.status, 200, JSON.stringify(body));
  return {
    status: response.status, body, data: body.outputs[0].data,
    bodyVersion: Number(body.model_version), headerVersion: Number(response.headers.get('x-model-version')),
  };
}

/** The answer names one version in body and header, and its numbers are that version's. */
function checkIdentity(answer: Answer): number {
  assert.equal(answer.headerVersion, answer.bodyVersion, 'x-model-version = model_version');
  const seed = SEEDS[answer.bodyVersion];
  assert.ok(seed !== undefined, `unexpected version ${answer.bodyVersion}`);
  const expected = mlpReference({ seed }, INPUT);
  assert.equal(answer.data.length, expected.length);
  for (const [i, value] of answer.data.entries()) assert.ok(Math.abs(value - expected[i]) < 1e-5, `v${answer.bodyVersion} output ${i}: ${value} vs ${expected[i]}`);
  return answer.bodyVersion;
}

/** `count` requests, `parallel` at a time; the versions that answered, checked one by one. */
async function versionsOf(count: number, path?: string, headers?: () => Record<string, string>, parallel = 16): Promise<number[]> {
  const versions: number[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, count - start) }, () => infer(path, headers?.())));
    versions.push(...batch.map(checkIdentity));
  }
  return versions;
}

async function api(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }> {
  const response = await server.call(path, {
    method, key, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined };
}

async function putTraffic(body: unknown, key?: string): Promise<{ status: number; body: any }> {
  return api('PUT', `/api/models/${MODEL}/traffic`, body, key);
}

async function expectRefusal(body: unknown, status: number, code: string): Promise<void> {
  const answer = await putTraffic(body);
  assert.equal(answer.status, status, `${JSON.stringify(body)} → ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.code, code, `${JSON.stringify(body)} → ${JSON.stringify(answer.body)}`);
}

const count = (versions: number[], version: number): number => versions.filter((v) => v === version).length;

describe('traffic split', () => {
  before(async () => {
    server = await startTestServer();
    await server.client.createModel({ name: MODEL, task: 'classification' });
    for (const version of [1, 2, 3]) {
      const pushed = await server.client.pushVersion(MODEL, buildMlp({ seed: SEEDS[version] }));
      assert.deepEqual([pushed.version, pushed.state], [version, 'READY']);
    }
    // Version 4 is refused at upload (FAILED).
    await assert.rejects(server.client.pushVersion(MODEL, new TextEncoder().encode('not an onnx model')), (error: unknown) => isTesseraError(error) && error.status === 422);
    assert.equal((await server.client.getVersion(MODEL, 4)).state, 'FAILED');
  });

  after(async () => {
    await server?.close();
  });

  it('without a split: the newest READY version answers, named in body and header', async () => {
    assert.deepEqual(await server.client.getTraffic(MODEL), { routes: [] });
    const versions = await versionsOf(8);
    assert.deepEqual([...new Set(versions)], [3]);
  });

  it('80/20 over versions 1 and 2: ~400 requests land within the band, each answer computed by the version it names', async () => {
    const split = { routes: [{ version: 1, weight: 80 }, { version: 2, weight: 20 }] };
    const set = await putTraffic(split);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body, split);
    assert.deepEqual(await server.client.getTraffic(MODEL), split);
    const versions = await versionsOf(400);
    const first = count(versions, 1) / versions.length;
    assert.equal(count(versions, 1) + count(versions, 2), versions.length, 'only the routes of the split answer');
    assert.ok(first >= 0.65 && first <= 0.93, `version 1 served ${(first * 100).toFixed(1)} %`);
    // The SDK reads the version from the answer too.
    const result = await server.client.infer(MODEL, [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array(INPUT) }]);
    assert.ok(['1', '2'].includes(result.modelVersion ?? ''), result.modelVersion);
  });

  it('a request naming a version or an alias ignores the split', async () => {
    assert.deepEqual([...new Set(await versionsOf(20, `/v2/models/${MODEL}/versions/3/infer`))], [3]);
    await server.client.setAlias(MODEL, 'production', 3);
    assert.deepEqual([...new Set(await versionsOf(20, `/v2/models/${MODEL}/versions/production/infer`))], [3]);
    // The split still rules requests without a version, production alias or not.
    const versions = await versionsOf(40);
    assert.ok(versions.every((v) => v === 1 || v === 2), `${versions}`);
    await server.client.deleteAlias(MODEL, 'production');
  });

  it('sticky header: one value always gets the same version; different values spread over both', async () => {
    const set = await putTraffic({ routes: [{ version: 1, weight: 50 }, { version: 2, weight: 50 }], stickyHeader: 'x-user-id' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    for (const user of ['alice', 'bob', 'carol']) {
      const versions = await versionsOf(30, undefined, () => ({ 'x-user-id': user }));
      assert.equal(new Set(versions).size, 1, `${user} got ${versions}`);
    }
    const byUser = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const user = `user-${i}`;
      byUser.set(user, checkIdentity(await infer(undefined, { 'x-user-id': user })));
    }
    const spread = [...byUser.values()];
    assert.ok(count(spread, 1) >= 5 && count(spread, 2) >= 5, `40 users: ${count(spread, 1)} on v1, ${count(spread, 2)} on v2`);
    // Asked again, every user is where it was.
    for (const [user, version] of [...byUser].slice(0, 10)) assert.equal(checkIdentity(await infer(undefined, { 'x-user-id': user })), version, user);
    // Without the header, requests are spread at random.
    const anonymous = await versionsOf(60);
    assert.ok(count(anonymous, 1) > 0 && count(anonymous, 2) > 0, `${anonymous}`);
  });

  it('alias routes follow the alias at request time; a target that is gone is skipped', async () => {
    await server.client.setAlias(MODEL, 'staging', 3);
    assert.equal((await putTraffic({ routes: [{ alias: 'staging', weight: 100 }] })).status, 200);
    assert.deepEqual([...new Set(await versionsOf(10))], [3]);
    await server.client.setAlias(MODEL, 'staging', 2);
    assert.deepEqual([...new Set(await versionsOf(10))], [2], 'the alias moved, the split follows');

    assert.equal((await putTraffic({ routes: [{ alias: 'staging', weight: 90 }, { version: 1, weight: 10 }] })).status, 200);
    await server.client.deleteAlias(MODEL, 'staging');
    assert.deepEqual([...new Set(await versionsOf(20))], [1], 'the alias is gone: the next route by weight serves');

    assert.equal((await server.client.setAlias(MODEL, 'staging', 2)).version, 2);
    assert.equal((await putTraffic({ routes: [{ alias: 'staging', weight: 100 }] })).status, 200);
    await server.client.deleteAlias(MODEL, 'staging');
    assert.deepEqual([...new Set(await versionsOf(10))], [3], 'no route left: the default resolution (newest READY)');
  });

  it('refuses missing (404) and unready (409) targets and malformed bodies (400), leaving the split as it was', async () => {
    const kept = { routes: [{ version: 1, weight: 60 }, { version: 2, weight: 40 }] };
    assert.equal((await putTraffic(kept)).status, 200);
    await expectRefusal({ routes: [{ version: 1, weight: 50 }, { version: 4, weight: 50 }] }, 409, 'VERSION_NOT_READY');
    await expectRefusal({ routes: [{ version: 1, weight: 50 }, { version: 99, weight: 50 }] }, 404, 'VERSION_NOT_FOUND');
    await expectRefusal({ routes: [{ alias: 'nope', weight: 100 }] }, 404, 'ALIAS_NOT_FOUND');
    const malformed: unknown[] = [
      { routes: [{ version: 1, weight: 100 }], extra: true },
      { routes: [{ version: 1, weight: 100, tenant: 'beta' }] },
      { routes: [] },
      { routes: Array.from({ length: 11 }, (_, i) => ({ version: 1 + (i % 3), weight: i === 0 ? 100 : 0 })) },
      { routes: [{ version: 1, weight: 60 }, { version: 2, weight: 30 }] },
      { routes: [{ version: 1, weight: 101 }] },
      { routes: [{ version: 1, weight: 99.5 }, { version: 2, weight: 0.5 }] },
      { routes: [{ version: 1, alias: 'production', weight: 100 }] },
      { routes: [{ weight: 100 }] },
      { routes: [{ version: 0, weight: 100 }] },
      { routes: [{ version: '1', weight: 100 }] },
      { routes: [{ alias: 'Bad Alias', weight: 100 }] },
      { routes: [{ version: 1, weight: 50 }, { version: 1, weight: 50 }] },
      { routes: [{ version: 1, weight: 100 }], stickyHeader: 'X-User-Id' },
      { routes: [{ version: 1, weight: 100 }], stickyHeader: 'authorization' },
      { routes: [{ version: 1, weight: 100 }], stickyHeader: 'cookie' },
      { routes: [{ version: 1, weight: 100 }], stickyHeader: 'x'.repeat(65) },
      [{ version: 1, weight: 100 }],
      'v1=100',
    ];
    for (const body of malformed) await expectRefusal(body, 400, 'INVALID_REQUEST');
    assert.deepEqual(await server.client.getTraffic(MODEL), kept);
  });

  it('a key with only models:read reads the split but may not change it (403); changes are audited', async () => {
    const created = await api('POST', '/api/keys', { name: 'traffic-reader', scopes: ['models:read'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const reader = created.body.key as string;
    const before = await server.client.getTraffic(MODEL);
    assert.deepEqual((await api('GET', `/api/models/${MODEL}/traffic`, undefined, reader)).body, before);
    for (const [method, body] of [['PUT', { routes: [{ version: 3, weight: 100 }] }], ['DELETE', undefined]] as const) {
      const answer = await api(method, `/api/models/${MODEL}/traffic`, body, reader);
      assert.equal(answer.status, 403, `${method} → ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, 'FORBIDDEN');
    }
    assert.deepEqual(await server.client.getTraffic(MODEL), before);
    const audit = await server.client.audit.all();
    const actions = audit.filter((record) => record.action.startsWith('traffic.'));
    assert.ok(actions.some((r) => r.action === 'traffic.set' && r.outcome === 'ok' && r.target === MODEL), JSON.stringify(actions.slice(-3)));
    assert.ok(actions.some((r) => r.action === 'traffic.set' && r.outcome === 'refused'), 'refused changes are audited');
    assert.ok(actions.some((r) => r.action === 'traffic.delete' && r.outcome === 'refused' && r.actor === `key:${created.body.id}`));
  });

  it('DELETE restores the default resolution (production alias, else newest READY) and is idempotent', async () => {
    assert.equal((await putTraffic({ routes: [{ version: 1, weight: 100 }] })).status, 200);
    assert.deepEqual([...new Set(await versionsOf(10))], [1]);
    await server.client.setAlias(MODEL, 'production', 2);
    assert.deepEqual([...new Set(await versionsOf(10))], [1], 'the split wins over the production alias');
    assert.equal((await api('DELETE', `/api/models/${MODEL}/traffic`)).status, 204);
    assert.deepEqual(await server.client.getTraffic(MODEL), { routes: [] });
    assert.deepEqual([...new Set(await versionsOf(10))], [2]);
    await server.client.deleteAlias(MODEL, 'production');
    assert.deepEqual([...new Set(await versionsOf(10))], [3]);
    assert.equal((await api('DELETE', `/api/models/${MODEL}/traffic`)).status, 204, 'nothing to remove is fine');
    assert.equal((await api('GET', '/api/models/nosuch/traffic')).body.code, 'MODEL_NOT_FOUND');
    // The tenant form names the same model.
    assert.equal((await api('PUT', `/api/models/default/${MODEL}/traffic`, { routes: [{ version: 2, weight: 100 }] })).status, 200);
    assert.deepEqual([...new Set(await versionsOf(5))], [2]);
    assert.equal((await api('DELETE', `/api/models/default/${MODEL}/traffic`)).status, 204);
  });

  it('metrics label each request with the version that answered', async () => {
    assert.equal((await putTraffic({ routes: [{ version: 1, weight: 50 }, { version: 2, weight: 50 }] })).status, 200);
    await versionsOf(40);
    const text = await server.client.metrics();
    for (const version of ['1', '2', '3']) {
      assert.match(text, new RegExp(`tessera_inference_requests_total\\{[^}]*model="default/${MODEL}"[^}]*version="${version}"[^}]*outcome="success"`), `version ${version}`);
    }
    await server.client.deleteTraffic(MODEL);
  });

  it('/predictions answers carry x-model-version, and follow the split', async () => {
    await server.client.createModel({ name: 'cnn', task: 'image-classification', labels: ['a', 'b', 'c', 'd'], preprocess: { preset: 'torch' } });
    for (const seed of [1, 2]) assert.equal((await server.client.pushVersion('cnn', buildSmallCnn({ size: 8, seed }))).state, 'READY');
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toBuffer();
    const predict = async (path: string, headers: Record<string, string> = {}): Promise<number> => {
      const response = await server.call(path, { method: 'POST', body: png, headers: { 'content-type': 'image/png', ...headers } });
      const body = await response.json() as any;
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.equal(response.headers.get('x-model-version'), String(body.version));
      return body.version as number;
    };
    assert.equal(await predict('/predictions/cnn'), 2, 'no split: newest READY');
    assert.equal(await predict('/predictions/cnn/1'), 1);
    await server.client.setTraffic('cnn', { routes: [{ version: 1, weight: 50 }, { version: 2, weight: 50 }], stickyHeader: 'x-user-id' });
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) seen.add(await predict('/predictions/cnn'));
    assert.deepEqual([...seen].sort(), [1, 2]);
    const mine = await predict('/predictions/default/cnn', { 'x-user-id': 'dora' });
    for (let i = 0; i < 10; i++) assert.equal(await predict('/predictions/cnn', { 'x-user-id': 'dora' }), mine);
    assert.equal(await predict('/predictions/default/cnn/1', { 'x-user-id': 'dora' }), 1, 'a named version ignores the split');
  });

  it('SDK and CLI: set, show as a table, clear', async () => {
    const client = new TesseraClient({ url: server.url, key: server.key });
    await client.setAlias(MODEL, 'production', 1);
    await client.setAlias(MODEL, 'staging', 2);
    const io = () => {
      const out = { stdout: '', stderr: '' };
      return { out, io: { stdout: { write: (text: string) => { out.stdout += text; } }, stderr: { write: (text: string) => { out.stderr += text; } } } };
    };
    const cli = async (...args: string[]) => {
      const { out, io: streams } = io();
      const code = await runCli(['traffic', MODEL, '--url', server.url, '--key', server.key, ...args], {}, streams);
      return { code, ...out };
    };
    const set = await cli('--set', 'production=80,staging=20', '--sticky', 'x-user-id');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /TARGET\s+KIND\s+WEIGHT\nproduction\s+alias\s+80%\nstaging\s+alias\s+20%\nsticky header: x-user-id/);
    assert.deepEqual(await client.getTraffic(MODEL), { routes: [{ alias: 'production', weight: 80 }, { alias: 'staging', weight: 20 }], stickyHeader: 'x-user-id' });
    const versions = await cli('--set', 'v1=90,3=10');
    assert.equal(versions.code, 0, versions.stderr);
    assert.match(versions.stdout, /v1\s+version\s+90%\nv3\s+version\s+10%/);
    const shown = await cli('--json');
    assert.deepEqual(JSON.parse(shown.stdout), { routes: [{ version: 1, weight: 90 }, { version: 3, weight: 10 }] });
    const refused = await cli('--set', 'v1=90,v4=10');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /VERSION_NOT_READY/);
    assert.equal((await cli('--set', 'v1=ninety')).code, 2);
    assert.equal((await cli('--clear', '--set', 'v1=100')).code, 2);
    const cleared = await cli('--clear');
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match((await cli()).stdout, /has no traffic split/);
    assert.deepEqual(await client.getTraffic(MODEL), { routes: [] });
    await client.deleteTraffic(MODEL);
  });
});
