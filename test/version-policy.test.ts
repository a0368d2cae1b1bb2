/**
 * Version policies (`runtime.versionPolicy`, Triton's): the latest N READY versions, all, or a pinned list stay
 * loaded, plus every alias target; they follow uploads, alias moves and runtime changes, load again at start-up
 * before the first request, are never evicted by the memory budget, and bad policies are refused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildMlp, mlpReference, startTestServer, type TestServer } from '../src/testing/index.js';

const INPUT = [0.3, -0.2, 1.5, 0.7];

function json(method: string, body?: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
}

async function ok(response: Promise<Response>, status = 200): Promise<any> {
  const answer = await response;
  const text = await answer.text();
  assert.equal(answer.status, status, text);
  return text === '' ? undefined : JSON.parse(text);
}

/** A model of tiny MLPs (one worker per version), versions 1..count READY; version v is buildMlp({seed: v}). */
async function deploy(server: TestServer, name: string, count: number, runtime: Record<string, unknown> = {}): Promise<void> {
  await ok(server.call('/api/models', json('POST', { name, runtime: { instances: 1, ...runtime } })), 201);
  for (let seed = 1; seed <= count; seed++) assert.equal((await server.client.pushVersion(name, buildMlp({ seed }))).state, 'READY');
}

function setRuntime(server: TestServer, name: string, runtime: Record<string, unknown>): Promise<any> {
  return ok(server.call(`/api/models/${name}`, json('PATCH', { runtime: { instances: 1, ...runtime } })));
}

/** `loaded` of every version 1..count: null, or `{state, pinned, …}`. */
async function loadedOf(server: TestServer, name: string, count: number): Promise<Array<{ state: string; pinned: boolean; residentBytes: number } | null>> {
  const out = [];
  for (let v = 1; v <= count; v++) out.push((await ok(server.call(`/api/models/${name}/versions/${v}`))).loaded);
  return out;
}

/** A compact picture of the versions: 'P' loaded and pinned, 'L' loaded and unpinned, '-' not loaded (READY only). */
async function picture(server: TestServer, name: string, count: number): Promise<string> {
  return (await loadedOf(server, name, count)).map((loaded) => loaded === null ? '-' : loaded.state !== 'READY' ? '?' : loaded.pinned ? 'P' : 'L').join('');
}

/** Policies are applied in the background after the change that moved them: wait until the picture matches. */
async function eventually(server: TestServer, name: string, count: number, expected: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await picture(server, name, count);
    if (seen === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(seen, expected, `versions of ${name} (P pinned, L loaded, - not loaded)`);
}

async function inferOk(server: TestServer, name: string, version: number): Promise<void> {
  const body = await ok(server.call(`/v2/models/${name}/versions/${version}/infer`, json('POST', {
    inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: INPUT }],
  })));
  const expected = mlpReference({ seed: version }, INPUT);
  body.outputs[0].data.forEach((value: number, i: number) => assert.ok(Math.abs(value - expected[i]) < 1e-5));
}

async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await server.call('/metrics')).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('version policy', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(() => server.close());

  it('without a policy nothing is kept loaded, alias targets included (the default is unchanged)', async () => {
    await deploy(server, 'plain', 2);
    await ok(server.call('/api/models/plain/aliases/production', json('PUT', { version: 1 })));
    await ok(server.call('/v2/repository/models/plain/unload', { method: 'POST' }), 200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await picture(server, 'plain', 2), '--');
    await inferOk(server, 'plain', 2);
    const [v1, v2] = await loadedOf(server, 'plain', 2);
    assert.equal(v1, null);
    assert.equal(v2?.state, 'READY');
    assert.equal(v2?.pinned, false, 'loaded on demand, evictable');
    assert.ok((v2?.residentBytes ?? 0) > 0);
  });

  it('{latest: 2} keeps versions 2 and 3 of three loaded and pinned, not version 1', async () => {
    await deploy(server, 'mlp', 3);
    assert.equal(await picture(server, 'mlp', 3), '---', 'nothing loaded before the policy');
    const model = await setRuntime(server, 'mlp', { versionPolicy: { latest: 2 } });
    assert.deepEqual(model.runtime.versionPolicy, { latest: 2 });
    await eventually(server, 'mlp', 3, '-PP');
    const index = await ok(server.call('/v2/repository/index', json('POST', {})));
    const states = Object.fromEntries(index.filter((e: any) => e.name === 'mlp').map((e: any) => [e.version, e.state]));
    assert.deepEqual(states, { 1: 'UNAVAILABLE', 2: 'READY', 3: 'READY' });
    const loaded = (await ok(server.call('/api/models/mlp/versions/3'))).loaded;
    assert.equal(typeof loaded.loadSeconds, 'number');
    assert.ok(loaded.lastUsedAt === null || !Number.isNaN(Date.parse(loaded.lastUsedAt)));
  });

  it('pushing version 4 loads it and unpins (without unloading) version 2', async () => {
    const pushed = await server.client.pushVersion('mlp', buildMlp({ seed: 4 }));
    assert.equal(pushed.state, 'READY');
    await eventually(server, 'mlp', 4, '-LPP');
    await inferOk(server, 'mlp', 2);
    await inferOk(server, 'mlp', 4);
  });

  it('an alias keeps its target loaded too, until it moves away', async () => {
    await ok(server.call('/api/models/mlp/aliases/production', json('PUT', { version: 1 })));
    await eventually(server, 'mlp', 4, 'PLPP');
    await ok(server.call('/api/models/mlp/aliases/production', json('PUT', { version: 3 })));
    await eventually(server, 'mlp', 4, 'LLPP');
    await ok(server.call('/api/models/mlp/aliases/production', json('PUT', { version: 1 })));
    await eventually(server, 'mlp', 4, 'PLPP');
    await ok(server.call('/api/models/mlp/aliases/production', { method: 'DELETE' }), 204);
    await eventually(server, 'mlp', 4, 'LLPP');
  });

  it('{specific: [1]} pins version 1 only; "all" pins every READY version', async () => {
    await setRuntime(server, 'mlp', { versionPolicy: { specific: [1] } });
    await eventually(server, 'mlp', 4, 'PLLL');
    await ok(server.call('/v2/repository/models/mlp/unload', { method: 'POST' }), 200);
    await setRuntime(server, 'mlp', { versionPolicy: 'all' });
    await eventually(server, 'mlp', 4, 'PPPP');
  });

  it('removing the policy unpins every version and leaves it loaded', async () => {
    await setRuntime(server, 'mlp', {});
    await eventually(server, 'mlp', 4, 'LLLL');
  });

  it('refuses bad policies with 400 INVALID_REQUEST, on create and on PATCH', async () => {
    const bad: unknown[] = [
      { latest: 0 }, { latest: 101 }, { latest: 1.5 }, { latest: '2' }, { latest: null }, { latest: 2, specific: [1] },
      { specific: [] }, { specific: [0] }, { specific: [-1] }, { specific: [1.5] }, { specific: ['1'] }, { specific: '1' },
      { specific: Array.from({ length: 101 }, (_, i) => i + 1) }, { oldest: 1 }, {}, 'ALL', 'latest', 2, null, [1], true,
    ];
    for (const versionPolicy of bad) {
      for (const request of [
        server.call('/api/models', json('POST', { name: 'badpolicy', runtime: { versionPolicy } })),
        server.call('/api/models/mlp', json('PATCH', { runtime: { versionPolicy } })),
      ]) {
        const answer = await request;
        const body = await answer.json();
        assert.equal(answer.status, 400, `${JSON.stringify(versionPolicy)} → ${JSON.stringify(body)}`);
        assert.equal(body.code, 'INVALID_REQUEST');
        assert.match(body.error, /versionPolicy/);
      }
    }
    await ok(server.call('/api/models/badpolicy'), 404);
    const good = await ok(server.call('/api/models', json('POST', { name: 'goodpolicy', runtime: { versionPolicy: { specific: [3, 1, 3] } } })), 201);
    assert.deepEqual(good.runtime.versionPolicy, { specific: [1, 3] }, 'duplicates dropped, sorted');
  });
});

describe('version policy across a restart', () => {
  let dataDir = '';
  before(async () => { dataDir = await mkdtemp(join(tmpdir(), 'tessera-policy-')); });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('loads the policy versions at start-up, before the first request', async () => {
    const first = await startTestServer([], { dataDir });
    try {
      await deploy(first, 'mlp', 3, { versionPolicy: { latest: 2 } });
      // Version 1 was in the policy until version 3 arrived: unpinned since, but still loaded.
      await eventually(first, 'mlp', 3, 'LPP');
    } finally {
      await first.close();
    }
    const second = await startTestServer([], { dataDir });
    try {
      // startTestServer returns once the server listens; start-up work (the policy loads) ends before it listens.
      const [v1, v2, v3] = await loadedOf(second, 'mlp', 3);
      assert.equal(v1, null);
      assert.equal(v2?.state, 'READY');
      assert.equal(v3?.state, 'READY');
      assert.equal(v2?.pinned && v3?.pinned, true);
      await inferOk(second, 'mlp', 3);
    } finally {
      await second.close();
    }
  });
});

describe('version policy under a memory budget', () => {
  let server: TestServer;
  after(() => server?.close());

  it('never evicts policy versions, while on-demand versions are evicted', async () => {
    // A budget of one byte is below what any loaded version takes, so every load tries to evict every other idle,
    // unpinned version (the budget's eviction is least recently used first, and `kept` is the least recently used):
    // only the pin that the policy puts on its versions keeps them loaded.
    server = await startTestServer(['--model-memory-bytes', '1']);
    await deploy(server, 'kept', 2, { versionPolicy: 'all' });
    await eventually(server, 'kept', 2, 'PP');
    await deploy(server, 'other', 3);
    const before = await metric(server, 'tessera_model_evictions_total');
    for (let round = 0; round < 2; round++) {
      for (const version of [1, 2, 3]) {
        await inferOk(server, 'other', version);
        assert.equal(await picture(server, 'kept', 2), 'PP', `kept stays loaded after other/${version}`);
      }
    }
    const evictions = (await metric(server, 'tessera_model_evictions_total')) - before;
    assert.ok(evictions >= 5, `${evictions} evictions for 6 calls over 3 on-demand versions`);
    const other = await picture(server, 'other', 3);
    assert.equal(other.replaceAll('-', '').length, 1, `only the version just used of "other" stays loaded: ${other}`);
    await inferOk(server, 'kept', 1);
    await inferOk(server, 'kept', 2);
    // The control: without the policy the same versions are unpinned and the next on-demand load evicts them.
    await setRuntime(server, 'kept', {});
    await eventually(server, 'kept', 2, 'LL');
    await inferOk(server, 'other', 2);
    assert.equal(await picture(server, 'kept', 2), '--');
  });
});
