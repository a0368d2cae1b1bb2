/**
 * Alias changes under concurrency against a real server: `If-Match` with the alias's ETag lets exactly one of many
 * writers that read the same state move the alias (the others get 412 PRECONDITION_FAILED with the current ETag), the
 * history records one move per winner, in order, with its actor and reason, and it agrees with the final state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isTesseraError } from '../src/client/index.js';
import { runCli } from '../src/cli/index.js';
import { buildMlp, startTestServer, type TestServer } from '../src/testing/index.js';

const WRITERS = 50;
const ROUNDS = 5;
const VERSIONS = 4;
const ALIAS_PATH = '/api/models/mlp/aliases/production';

let server: TestServer;
/** The admin key's id, as the actor of its moves. */
let adminActor = '';

interface Answer {
  status: number;
  etagHeader: string | null;
  body: any;
}

async function send(path: string, method: string, options: { body?: unknown; ifMatch?: string; key?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  const response = await server.call(path, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  return { status: response.status, etagHeader: response.headers.get('etag'), body: text.length > 0 ? JSON.parse(text) : undefined };
}

async function current(): Promise<Answer> {
  const answer = await send(ALIAS_PATH, 'GET');
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.etagHeader, answer.body.etag, 'the ETag header and the body agree');
  return answer;
}

async function history(): Promise<any[]> {
  const answer = await send(`${ALIAS_PATH}/history`, 'GET');
  assert.equal(answer.status, 200);
  return answer.body.items;
}

/** Exactly one 200; every other answer is 412 naming the winner's ETag. Returns the winner's index and answer. */
function oneWinner(answers: Answer[], before: string): { index: number; answer: Answer } {
  const statuses = answers.map((answer) => answer.status);
  const winners = statuses.flatMap((status, index) => (status === 200 ? [index] : []));
  assert.equal(winners.length, 1, `exactly one winner, got statuses ${JSON.stringify(statuses)}`);
  assert.equal(statuses.filter((status) => status === 412).length, answers.length - 1);
  const winner = answers[winners[0]];
  assert.notEqual(winner.body.etag, before, 'the winner got a new ETag');
  assert.equal(winner.etagHeader, winner.body.etag);
  for (const answer of answers) {
    if (answer.status !== 412) continue;
    assert.equal(answer.body.code, 'PRECONDITION_FAILED');
    assert.equal(answer.body.etag, winner.body.etag, 'a loser learns the current ETag');
  }
  return { index: winners[0], answer: winner };
}

describe('alias changes with If-Match', () => {
  /** The winning move of every contested round, in order: what the history must show after the initial set. */
  const winners: Array<{ action: string; from: number; to: number; reason: string }> = [];

  before(async () => {
    server = await startTestServer();
    await server.client.createModel({ name: 'mlp', task: 'classification' });
    for (let seed = 1; seed <= VERSIONS; seed++) {
      const version = await server.client.pushVersion('mlp', buildMlp({ seed }));
      assert.equal(version.state, 'READY', version.error ?? '');
    }
    const created = await send(ALIAS_PATH, 'PUT', { body: { version: 1, reason: 'first release' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.generation, 1);
    const moves = await history();
    adminActor = moves[0].actor;
    assert.match(adminActor, /^key:\S+$/);
  });
  after(() => server.close());

  it(`${WRITERS} concurrent PUTs with the same If-Match: one winner per ETag, ${WRITERS - 1} × 412, for ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const before = await current();
      const from = before.body.version as number;
      // Every writer asks for a real move (another version than the current one), each its own.
      const others = Array.from({ length: VERSIONS }, (_, i) => i + 1).filter((v) => v !== from);
      const targets = Array.from({ length: WRITERS }, (_, i) => others[i % others.length]);
      const answers = await Promise.all(targets.map((version, i) => send(ALIAS_PATH, 'PUT', {
        body: { version, reason: `round ${round} writer ${i}` }, ifMatch: before.body.etag,
      })));
      const { index, answer } = oneWinner(answers, before.body.etag);
      assert.equal(answer.body.version, targets[index]);
      assert.equal(answer.body.generation, before.body.generation + 1);
      winners.push({ action: 'set', from, to: targets[index], reason: `round ${round} writer ${index}` });
      const after = await current();
      assert.deepEqual([after.body.version, after.body.etag], [targets[index], answer.body.etag]);
    }
  });

  it(`${WRITERS} concurrent rollbacks with the same If-Match behave the same`, async () => {
    for (let round = 0; round < 2; round++) {
      const before = await current();
      const answers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => send(`${ALIAS_PATH}/rollback`, 'POST', {
        body: { reason: `rollback ${round} writer ${i}` }, ifMatch: before.body.etag,
      })));
      const { index, answer } = oneWinner(answers, before.body.etag);
      assert.equal(answer.body.generation, before.body.generation + 1);
      winners.push({ action: 'rollback', from: before.body.version, to: answer.body.version, reason: `rollback ${round} writer ${index}` });
    }
  });

  it('the history has one move per round, in order, consistent with the final state', async () => {
    const moves = await history();
    assert.equal(moves.length, 1 + winners.length);
    assert.deepEqual([moves[0].action, moves[0].fromVersion, moves[0].toVersion, moves[0].reason], ['set', null, 1, 'first release']);
    assert.deepEqual(
      moves.slice(1).map((move) => ({ action: move.action, from: move.fromVersion, to: move.toVersion, reason: move.reason })),
      winners,
    );
    for (const move of moves) assert.equal(move.actor, adminActor);
    for (let i = 1; i < moves.length; i++) assert.equal(moves[i].fromVersion, moves[i - 1].toVersion, 'each move starts where the last ended');
    const final = await current();
    assert.equal(final.body.version, moves.at(-1).toVersion);
    assert.equal(final.body.generation, 1 + winners.length, 'generation = 1 + moves since creation');
    const listed = (await send('/api/models/mlp/aliases', 'GET')).body.items;
    assert.deepEqual(listed.map((alias: any) => [alias.name, alias.version, alias.etag]), [['production', final.body.version, final.body.etag]]);
  });

  it('without If-Match a change is unconditional; * means "exists"; malformed If-Match is 400', async () => {
    const before = await current();
    const plain = await send(ALIAS_PATH, 'PUT', { body: { version: before.body.version === 1 ? 2 : 1 } });
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    assert.equal(plain.body.generation, before.body.generation + 1);
    const star = await send(ALIAS_PATH, 'PUT', { body: { version: before.body.version }, ifMatch: '*' });
    assert.equal(star.status, 200, JSON.stringify(star.body));
    const stale = await send(ALIAS_PATH, 'PUT', { body: { version: 3 }, ifMatch: before.body.etag });
    assert.deepEqual([stale.status, stale.body.code, stale.body.etag], [412, 'PRECONDITION_FAILED', star.body.etag]);
    const etag = star.body.etag as string;
    for (const malformed of [etag.slice(1, -1), `${etag}, ${etag}`, `"a b"`, `"${'x'.repeat(300)}"`, `W/${etag.slice(1)}`]) {
      const answer = await send(ALIAS_PATH, 'PUT', { body: { version: 3 }, ifMatch: malformed });
      assert.deepEqual([answer.status, answer.body.code], [400, 'INVALID_REQUEST'], malformed);
      const rollback = await send(`${ALIAS_PATH}/rollback`, 'POST', { ifMatch: malformed });
      assert.deepEqual([rollback.status, rollback.body.code], [400, 'INVALID_REQUEST'], malformed);
    }
    // Well-formed tags that are not this alias's current one never match: weak, made up, another alias's.
    await send('/api/models/mlp/aliases/staging', 'PUT', { body: { version: 1 } });
    const staging = (await send('/api/models/mlp/aliases/staging', 'GET')).body.etag as string;
    for (const other of [`W/${etag}`, '""', '"whatever"', staging, etag.replace(/-(\d+)"$/, (_, g) => `-${Number(g) + 1}"`)]) {
      const answer = await send(ALIAS_PATH, 'PUT', { body: { version: 3 }, ifMatch: other });
      assert.deepEqual([answer.status, answer.body.code, answer.body.etag], [412, 'PRECONDITION_FAILED', etag], other);
    }
    assert.equal((await current()).body.etag, etag, 'refused changes changed nothing');
  });

  it('deletes with If-Match, and answers 412 with a null ETag for an alias that no longer exists', async () => {
    const staging = await send('/api/models/mlp/aliases/staging', 'GET');
    const moved = await send('/api/models/mlp/aliases/staging', 'PUT', { body: { version: 2 }, ifMatch: staging.body.etag });
    assert.equal(moved.status, 200);
    const stale = await send('/api/models/mlp/aliases/staging', 'DELETE', { ifMatch: staging.body.etag });
    assert.deepEqual([stale.status, stale.body.code, stale.body.etag], [412, 'PRECONDITION_FAILED', moved.body.etag]);
    const deleted = await send('/api/models/mlp/aliases/staging', 'DELETE', { ifMatch: moved.body.etag });
    assert.equal(deleted.status, 204);
    for (const [method, path] of [['PUT', ''], ['POST', '/rollback'], ['DELETE', '']]) {
      const answer = await send(`/api/models/mlp/aliases/staging${path}`, method, { ifMatch: '*', ...(method === 'PUT' ? { body: { version: 1 } } : {}) });
      assert.deepEqual([answer.status, answer.body.code, answer.body.etag], [412, 'PRECONDITION_FAILED', null], `${method} ${path}`);
    }
    assert.equal((await send('/api/models/mlp/aliases/staging', 'GET')).status, 404);
    assert.equal((await send('/api/models/mlp/aliases/staging', 'DELETE')).status, 404);
    // Re-created, it never reuses an ETag it had before the delete.
    const recreated = await send('/api/models/mlp/aliases/staging', 'PUT', { body: { version: 1 } });
    assert.notEqual(recreated.body.etag, staging.body.etag);
    assert.notEqual(recreated.body.etag, moved.body.etag);
    const history = (await send('/api/models/mlp/aliases/staging/history', 'GET')).body.items;
    assert.deepEqual(history.map((move: any) => move.action), ['set', 'set', 'delete', 'set']);
  });

  it('records the calling key as the actor and the reason, and refuses bad reasons', async () => {
    const key = await server.client.keys.create({ name: 'operator', scopes: ['models:write'] });
    const before = await current();
    const target = before.body.version === 1 ? 2 : 1;
    const set = await send(ALIAS_PATH, 'PUT', { body: { version: target, reason: 'ticket OPS-42' }, ifMatch: before.body.etag, key: key.key });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const rolled = await send(`${ALIAS_PATH}/rollback`, 'POST', { key: key.key });
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    const moves = (await history()).slice(-2);
    assert.deepEqual(moves.map((move) => [move.action, move.actor, move.reason]), [
      ['set', `key:${key.id}`, 'ticket OPS-42'], ['rollback', `key:${key.id}`, ''],
    ]);
    for (const body of [{ version: 1, reason: 'x'.repeat(257) }, { version: 1, reason: 7 }, { version: 1, reason: 'two\nlines' }, { version: 1, why: 'x' }]) {
      const answer = await send(ALIAS_PATH, 'PUT', { body });
      assert.deepEqual([answer.status, answer.body.code], [400, 'INVALID_REQUEST'], JSON.stringify(body));
    }
    for (const body of [{ reason: 'x'.repeat(257) }, { version: 1 }, [], 'text']) {
      const answer = await send(`${ALIAS_PATH}/rollback`, 'POST', { body });
      assert.deepEqual([answer.status, answer.body.code], [400, 'INVALID_REQUEST'], JSON.stringify(body));
    }
    assert.equal((await send(ALIAS_PATH, 'PUT', { body: { version: 1, reason: 'é'.repeat(256) } })).status, 200, '256 characters are fine');
  });

  it('the SDK returns ETags and sends If-Match; the CLI takes --if-match and --reason and prints actor and reason', async () => {
    const client = server.client;
    const alias = await client.getAlias('mlp', 'production');
    const moved = await client.setAlias('mlp', 'production', alias.version === 3 ? 4 : 3, { ifMatch: alias.etag, reason: 'sdk' });
    assert.equal(moved.generation, alias.generation + 1);
    await assert.rejects(client.setAlias('mlp', 'production', 1, { ifMatch: alias.etag }), (error: unknown) => {
      assert.ok(isTesseraError(error));
      assert.deepEqual([error.status, error.code, (error.body as { etag?: string }).etag], [412, 'PRECONDITION_FAILED', moved.etag]);
      return true;
    });
    const rolled = await client.rollbackAlias('mlp', 'production', { ifMatch: moved.etag, reason: 'sdk rollback' });
    assert.equal(rolled.version, alias.version);

    const cli = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (text: string) => { stdout += text; } }, stderr: { write: (text: string) => { stderr += text; } } };
      const code = await runCli(argv, { TESSERA_URL: server.url, TESSERA_KEY: server.key }, io);
      return { code, stdout, stderr };
    };
    const got = await cli('alias', 'get', 'mlp', 'production', '--json');
    assert.equal(got.code, 0, got.stderr);
    const { etag, version } = JSON.parse(got.stdout) as { etag: string; version: number };
    assert.equal(etag, rolled.etag);
    const refused = await cli('alias', 'set', 'mlp', 'production', '2', '--if-match', moved.etag, '--reason', 'cli');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /PRECONDITION_FAILED/);
    const set = await cli('alias', 'set', 'mlp', 'production', version === 2 ? '1' : '2', '--if-match', etag, '--reason', 'from the cli');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /now points at version \d \(etag "a\d+-production-\d+"\)/);
    const table = await cli('alias', 'history', 'mlp', 'production');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout.split('\n')[0], /AT\s+ACTION\s+FROM\s+TO\s+ACTOR\s+REASON/);
    assert.match(table.stdout.trimEnd().split('\n').at(-1) ?? '', new RegExp(`set\\s+\\d\\s+\\d\\s+${adminActor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+from the cli$`));
    const json = JSON.parse((await cli('alias', 'history', 'mlp', 'production', '--json')).stdout) as Array<{ actor: string; reason: string }>;
    assert.deepEqual([json.at(-1)?.actor, json.at(-1)?.reason], [adminActor, 'from the cli']);
    const usage = await cli('alias', 'history', 'mlp', 'production', '--reason', 'x');
    assert.equal(usage.code, 2);
  });
});
