/**
 * Hot swap (B41): ten alias moves and rollbacks while a load generator runs lose no request, and every answer comes
 * from the version the alias named while that request was in flight. A move to a version that cannot load leaves
 * the alias (and its traffic) where it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildMlp, mlpReference, startTestServer, type TestServer } from '../src/testing/index.js';

let server: TestServer;
const input = [0.4, 1.1, -0.6, 0.9];
const expected = new Map([1, 2].map((seed) => [seed, mlpReference({ seed }, input)]));

async function infer(): Promise<{ status: number; version: number; data: number[] }> {
  const response = await server.call('/v2/models/swap/infer', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: input }] }),
  });
  const body = await response.json();
  return { status: response.status, version: Number(body.model_version), data: body.outputs?.[0]?.data ?? [] };
}

async function move(path: string, body?: unknown): Promise<number> {
  const response = await server.call(`/api/models/swap/aliases/production${path}`, {
    method: path === '' ? 'PUT' : 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).version;
}

before(async () => {
  server = await startTestServer();
  await server.client.createModel({ name: 'swap' });
  for (const seed of [1, 2]) assert.equal((await server.client.pushVersion('swap', buildMlp({ seed }))).state, 'READY');
  await move('', { version: 1 });
});
after(() => server.close());

describe('hot swap', () => {
  it('ten moves and rollbacks under load: zero failed requests, each answer from the version named at that moment', async () => {
    // Each move is known to take effect somewhere between its request and its answer.
    const timeline: Array<{ from: number; to: number; version: number }> = [{ from: 0, to: performance.now(), version: 1 }];
    const answers: Array<{ started: number; ended: number; status: number; version: number; data: number[] }> = [];
    let running = true;
    const generator = async (): Promise<void> => {
      while (running) {
        const started = performance.now();
        const answer = await infer();
        answers.push({ started, ended: performance.now(), ...answer });
      }
    };
    const load = Promise.all([generator(), generator(), generator(), generator()]);
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      const from = performance.now();
      const version = await move('', { version: 2, reason: `swap ${i}` });
      timeline.push({ from, to: performance.now(), version });
      await new Promise((resolve) => setTimeout(resolve, 60));
      const rollbackFrom = performance.now();
      const back = await move('/rollback');
      timeline.push({ from: rollbackFrom, to: performance.now(), version: back });
    }
    running = false;
    await load;

    assert.ok(answers.length > 100, `only ${answers.length} requests ran`);
    const failed = answers.filter((answer) => answer.status !== 200);
    assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed.slice(0, 3))}`);
    for (const answer of answers) {
      const reference = expected.get(answer.version)!;
      answer.data.forEach((value, k) => assert.ok(Math.abs(value - reference[k]) < 1e-5, 'the numbers are those of the version named'));
      const settled = [...timeline].reverse().find((move) => move.to <= answer.started)?.version;
      const moving = timeline.filter((move) => move.from < answer.ended && move.to > answer.started).map((move) => move.version);
      const allowed = [settled, ...moving];
      assert.ok(allowed.includes(answer.version), `answered by v${answer.version}, but the alias named ${allowed.join('/')} while it ran`);
    }
    assert.ok(answers.some((answer) => answer.version === 2) && answers.some((answer) => answer.version === 1), 'both versions served');
    const history = (await (await server.call('/api/models/swap/aliases/production/history')).json()).items;
    assert.equal(history.length, 21, 'the first set, then ten moves and ten rollbacks');
  });

  it('a move to a version that fails to load keeps the alias, and traffic stays on the old target', async () => {
    await server.client.createModel({ name: 'broken-target' });
    // Not READY → refused before any load; the alias keeps serving.
    const response = await server.call('/api/models/swap/aliases/production', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 99 }) });
    assert.equal(response.status, 404);
    const answer = await infer();
    assert.equal(answer.status, 200);
    assert.equal(answer.version, 1);
  });
});
