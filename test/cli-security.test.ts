/**
 * Tenants, API keys, model sharing, usage, the audit trail and master-key rotation, end to end: the `tessera` CLI
 * (run in this process through runCli, with captured streams) and the SDK against real servers from the test kit.
 * Also the SDK's URL building for `tenant/model` names, against a recording fetch.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/index.js';
import { TesseraClient, isTesseraError, type CreatedKey, type InferTensor, type KeyInfo, type TesseraClientOptions } from '../src/client/index.js';
import { openDatabase } from '../src/db/index.js';
import { buildMlp, startTestServer, type TestServer } from '../src/testing/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const INPUT: InferTensor = { name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array([0.5, -1, 2, 0.25]) };

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tessera …` in this process against `server`, with `key` (default: the server's admin key). */
async function cli(server: TestServer, args: string[], key: string = server.key): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => { stdout += text; } }, stderr: { write: (text: string) => { stderr += text; } } };
  const code = await runCli(args, { TESSERA_URL: server.url, TESSERA_KEY: key }, io);
  return { code, stdout, stderr };
}

/** Runs a command that must succeed and parses its `--json` answer. */
async function cliJson<T>(server: TestServer, args: string[], key?: string): Promise<T> {
  const run = await cli(server, [...args, '--json'], key);
  assert.equal(run.code, 0, `tessera ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** Asserts that a command failed with exit 1 and printed the server's code the way every command does. */
function assertServerError(run: CliRun, code: string): void {
  assert.equal(run.code, 1, `expected exit 1, got ${run.code}: ${run.stdout}${run.stderr}`);
  assert.match(run.stderr, new RegExp(`^error: .+ \\(${code}\\)$`, 'm'));
}

function probabilities(result: { outputs: Array<{ data: unknown }> }): number[] {
  return Array.from(result.outputs[0].data as Float32Array);
}

let scratch = '';
let mlpFile = '';
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tessera-cli-security-'));
  mlpFile = join(scratch, 'mlp.onnx');
  await writeFile(mlpFile, buildMlp({ seed: 7 }));
});
after(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('tenants, keys, sharing, usage and audit through the CLI', () => {
  let server: TestServer;
  let acmeAdmin: CreatedKey;
  let inferKey = '';
  let inferKeyId = '';
  let rotatedKey = '';
  let betaKey = '';

  before(async () => { server = await startTestServer(); });
  after(async () => { await server?.close(); });

  it('lists the new commands in --help, and the binary runs them', async () => {
    const help = await cli(server, ['--help']);
    assert.equal(help.code, 0);
    for (const command of ['tenants', 'keys', 'usage', 'audit']) assert.match(help.stdout, new RegExp(`^  ${command} +\\S`, 'm'));
    assert.match((await cli(server, ['keys', '--help'])).stdout, /tessera keys rotate-master/);
    assert.match((await cli(server, ['models', '--help'])).stdout, /tessera models share <name> --visibility private\|shared\|public/);
    assert.match((await cli(server, ['audit', '--help'])).stdout, /tessera audit verify/);
    const child = await runBinary(['tenants', 'list', '--json'], server);
    assert.equal(child.code, 0, child.stderr);
    assert.ok((JSON.parse(child.stdout) as Array<{ name: string }>).some((tenant) => tenant.name === 'default'));
  });

  it('creates tenant acme with limits, shows and changes them; refuses a duplicate with the server code', async () => {
    const acme = await cliJson<{ name: string; limits: Record<string, number> }>(server,
      ['tenants', 'create', 'acme', '--rps', '50', '--burst', '100', '--concurrent', '4', '--monthly-requests', '100000', '--monthly-compute-ms', '3600000']);
    assert.equal(acme.name, 'acme');
    assert.deepEqual(acme.limits, { requestsPerSecond: 50, burst: 100, concurrent: 4, monthlyRequests: 100000, monthlyComputeMs: 3600000 });
    const changed = await cliJson<{ limits: Record<string, number> }>(server, ['tenants', 'limits', 'acme', '--concurrent', '8']);
    assert.deepEqual(changed.limits, { requestsPerSecond: 50, burst: 100, concurrent: 8, monthlyRequests: 100000, monthlyComputeMs: 3600000 });
    const shown = await cli(server, ['tenants', 'show', 'acme']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^limits +rps 50, burst 100, concurrent 8, monthly-requests 100000, monthly-compute-ms 3600000$/m);
    const list = await cli(server, ['tenants', 'list']);
    assert.match(list.stdout, /^acme +rps 50/m);
    assertServerError(await cli(server, ['tenants', 'create', 'acme']), 'TENANT_EXISTS');
    assertServerError(await cli(server, ['tenants', 'show', 'nobody']), 'TENANT_NOT_FOUND');
    const badFlag = await cli(server, ['tenants', 'create', 'x', '--burst', '1.5']);
    assert.equal(badFlag.code, 2);
    await cliJson(server, ['tenants', 'create', 'beta']);
  });

  it('an admin creates a tenant:admin key for acme (the secret is shown once, in --json the whole CreatedKey)', async () => {
    acmeAdmin = await cliJson<CreatedKey>(server, ['keys', 'create', '--name', 'acme-admin', '--tenant', 'acme', '--scopes', 'tenant:admin']);
    assert.match(acmeAdmin.key, /^tsk_[a-z0-9]+_[A-Za-z0-9]+$/);
    assert.equal(acmeAdmin.key.split('_')[1], acmeAdmin.id);
    assert.deepEqual([acmeAdmin.tenant, acmeAdmin.scopes, acmeAdmin.models, acmeAdmin.revokedAt], ['acme', ['tenant:admin'], null, null]);
    const beta = await cliJson<CreatedKey>(server, ['keys', 'create', '--name', 'beta-infer', '--tenant', 'beta', '--scopes', 'infer']);
    betaKey = beta.key;
    assertServerError(await cli(server, ['keys', 'create', '--name', 'x', '--tenant', 'acme', '--scopes', 'fly']), 'INVALID_REQUEST');
    assert.equal((await cli(server, ['keys', 'create', '--name', 'x'])).code, 2);
  });

  it('with that key: pushes models into acme and creates an infer key limited to one model', async () => {
    for (const model of ['mlp', 'other']) {
      const pushed = await cli(server, ['push', model, mlpFile, '--alias', 'production'], acmeAdmin.key);
      assert.equal(pushed.code, 0, pushed.stderr);
    }
    const created = await cli(server, ['keys', 'create', '--name', 'ci', '--scopes', 'infer', '--models', 'mlp', '--expires', '2099-01-01T00:00:00Z', '--rps', '20'], acmeAdmin.key);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^created key [a-z0-9]+ \(ci\) in tenant acme$/m);
    assert.match(created.stdout, /shown only once/);
    inferKey = /^key: (tsk_\S+)$/m.exec(created.stdout)?.[1] ?? '';
    assert.notEqual(inferKey, '', created.stdout);
    inferKeyId = inferKey.split('_')[1];
    assert.equal(created.stdout.split(inferKey).length - 1, 1, 'the secret is printed exactly once');
    const shown = await cliJson<KeyInfo>(server, ['keys', 'show', inferKeyId], acmeAdmin.key);
    assert.deepEqual([shown.tenant, shown.scopes, shown.models, shown.limits, shown.expiresAt],
      ['acme', ['infer'], ['acme/mlp'], { requestsPerSecond: 20 }, '2099-01-01T00:00:00.000Z']);
    assert.equal('key' in shown, false);
    assertServerError(await cli(server, ['keys', 'create', '--name', 'x', '--scopes', 'admin'], acmeAdmin.key), 'FORBIDDEN');
  });

  it('keys list shows no secret, and only the tenant\'s own keys to a tenant admin', async () => {
    const keys = await cliJson<Array<Record<string, unknown>>>(server, ['keys', 'list'], acmeAdmin.key);
    assert.deepEqual(keys.map((key) => key.name).sort(), ['acme-admin', 'ci']);
    for (const key of keys) {
      assert.equal('key' in key, false);
      assert.equal(key.tenant, 'acme');
      assert.doesNotMatch(JSON.stringify(key), /tsk_/);
    }
    const table = await cli(server, ['keys', 'list'], acmeAdmin.key);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +NAME +TENANT +SCOPES/);
    assert.match(table.stdout, new RegExp(`^${inferKeyId} +ci +acme +infer +acme/mlp +active`, 'm'));
    assert.doesNotMatch(table.stdout, /tsk_/);
    const betaOnly = await cliJson<KeyInfo[]>(server, ['keys', 'list', '--tenant', 'beta']);
    assert.deepEqual(betaOnly.map((key) => key.name), ['beta-infer']);
  });

  it('the infer key runs its model and is refused the others', async () => {
    const infer = new TesseraClient({ url: server.url, key: inferKey });
    assert.equal(probabilities(await infer.infer('mlp', [INPUT])).length, 3);
    assert.equal(probabilities(await infer.infer('acme/mlp', [INPUT], { version: 'production' })).length, 3);
    await assert.rejects(infer.infer('other', [INPUT]), { code: 'FORBIDDEN' });
    await assert.rejects(infer.listModels(), { code: 'FORBIDDEN' });
  });

  it('rotate with an overlap: the new and the old secret both work; revoke: the key id is refused', async () => {
    const rotated = await cliJson<CreatedKey>(server, ['keys', 'rotate', inferKeyId, '--overlap', '600'], acmeAdmin.key);
    rotatedKey = rotated.key;
    assert.equal(rotated.id, inferKeyId);
    assert.notEqual(rotated.key, inferKey);
    assert.ok(rotated.previousSecretExpiresAt !== null && Date.parse(rotated.previousSecretExpiresAt) > Date.now());
    for (const key of [inferKey, rotatedKey]) {
      assert.equal(probabilities(await new TesseraClient({ url: server.url, key }).infer('mlp', [INPUT])).length, 3);
    }
    const listed = await cli(server, ['keys', 'list'], acmeAdmin.key);
    assert.match(listed.stdout, new RegExp(`^${inferKeyId} .* rotating`, 'm'));

    const revoked = await cli(server, ['keys', 'revoke', inferKeyId], acmeAdmin.key);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^revoked key ${inferKeyId} \\(ci\\)`));
    for (const key of [inferKey, rotatedKey]) {
      await assert.rejects(new TesseraClient({ url: server.url, key }).infer('mlp', [INPUT]), { status: 401, code: 'UNAUTHENTICATED' });
    }
    const shown = await cliJson<KeyInfo>(server, ['keys', 'show', inferKeyId], acmeAdmin.key);
    assert.notEqual(shown.revokedAt, null);
    assertServerError(await cli(server, ['keys', 'rotate', inferKeyId], acmeAdmin.key), 'INVALID_REQUEST');
    assertServerError(await cli(server, ['keys', 'show', 'nosuchkey'], acmeAdmin.key), 'KEY_NOT_FOUND');
  });

  it('a human rotation says whether the old secret still works and shows the new one once', async () => {
    const ci2 = await cliJson<CreatedKey>(server, ['keys', 'create', '--name', 'ci2', '--scopes', 'infer'], acmeAdmin.key);
    const rotated = await cli(server, ['keys', 'rotate', ci2.id], acmeAdmin.key);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /the previous secret no longer works/);
    assert.match(rotated.stdout, /^key: tsk_\S+$/m);
    assert.match(rotated.stdout, /shown only once/);
    await assert.rejects(new TesseraClient({ url: server.url, key: ci2.key }).infer('mlp', [INPUT]), { code: 'UNAUTHENTICATED' });
  });

  it('models share: beta cannot see acme/mlp, then runs it once it is shared with beta', async () => {
    const beta = new TesseraClient({ url: server.url, key: betaKey });
    await assert.rejects(beta.infer('acme/mlp', [INPUT]), { status: 404, code: 'MODEL_NOT_FOUND' });
    const shared = await cliJson<{ visibility: string; sharedWith: string[] }>(server, ['models', 'share', 'mlp', '--visibility', 'shared', '--with', 'beta'], acmeAdmin.key);
    assert.deepEqual([shared.visibility, shared.sharedWith], ['shared', ['beta']]);
    const answer = await beta.infer('acme/mlp', [INPUT], { version: 'production' });
    assert.equal(answer.outputs[0].shape.join(','), '1,3');
    assert.equal((await beta.modelMetadata('acme/mlp')).name, 'acme/mlp');
    await assert.rejects(beta.infer('acme/other', [INPUT]), { code: 'MODEL_NOT_FOUND' });
    assertServerError(await cli(server, ['models', 'share', 'acme/mlp', '--visibility', 'public'], betaKey), 'FORBIDDEN');
    const human = await cli(server, ['models', 'share', 'other', '--visibility', 'public'], acmeAdmin.key);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^model acme\/other is now public$/m);
    assert.equal((await cli(server, ['models', 'share', 'other', '--visibility', 'everyone'], acmeAdmin.key)).code, 2);
    const shown = await cli(server, ['models', 'show', 'acme/mlp']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^visibility +shared with beta$/m);
  });

  it('usage --csv, the table and --json show the inferences just made', async () => {
    const acme = new TesseraClient({ url: server.url, key: acmeAdmin.key });
    for (let i = 0; i < 3; i += 1) await acme.infer('mlp', [INPUT]);
    const csv = await cli(server, ['usage', '--csv'], acmeAdmin.key);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split(/\r\n/);
    assert.equal(lines[0], 'day,model,requests,errors,bytesIn,bytesOut,queueMs,computeMs');
    const today = new Date().toISOString().slice(0, 10);
    const mlpRow = lines.slice(1).map((line) => line.split(',')).find((cells) => cells[1] === 'acme/mlp');
    assert.ok(mlpRow, csv.stdout);
    assert.equal(mlpRow[0], today);
    assert.ok(Number(mlpRow[2]) >= 6, `at least the 6 inferences of acme keys: ${csv.stdout}`);
    const report = await cliJson<{ groupBy: string[]; items: Array<{ tenant?: string; model?: string; requests: number }> }>(
      server, ['usage', '--group-by', 'tenant,model', '--from', today, '--to', today]);
    assert.deepEqual(report.groupBy, ['tenant', 'model']);
    assert.ok(report.items.some((row) => row.tenant === 'beta' && row.model === 'acme/mlp' && row.requests >= 1), JSON.stringify(report));
    const table = await cli(server, ['usage', '--tenant', 'acme', '--group-by', 'model']);
    assert.match(table.stdout, /^MODEL +REQUESTS +ERRORS +IN +OUT +QUEUE MS +COMPUTE MS$/m);
    assert.match(table.stdout, /^acme\/mlp +\d+ +\d+ /m);
    assert.equal((await cli(server, ['usage', '--csv', '--json'])).code, 2);
    assertServerError(await cli(server, ['usage', '--from', '2025-02-30']), 'INVALID_PARAMETER');
  });

  it('audit list pages through the log; the SDK reads it all in pages', async () => {
    const all = await server.client.audit.all();
    const paged = await server.client.audit.all({ limit: 3 });
    assert.deepEqual(paged, all);
    assert.deepEqual(all.map((record) => record.seq), all.map((_, i) => i + 1));
    const actions = new Set(all.map((record) => record.action));
    for (const action of ['tenant.create', 'key.create', 'key.rotate', 'key.revoke', 'model.update']) assert.ok(actions.has(action), action);
    const page = await cliJson<Array<{ seq: number }>>(server, ['audit', '--after', '2', '--limit', '2']);
    assert.deepEqual(page.map((record) => record.seq), [3, 4]);
    const acmeOnly = await cliJson<Array<{ tenant: string }>>(server, ['audit', 'list', '--limit', '1000'], acmeAdmin.key);
    assert.ok(acmeOnly.length > 0 && acmeOnly.every((record) => record.tenant === 'acme'));
    const table = await cli(server, ['audit']);
    assert.match(table.stdout, /^SEQ +AT +TENANT +ACTOR +ACTION +TARGET +OUTCOME$/m);
  });

  it('audit verify passes on the untouched log', async () => {
    const count = (await server.client.audit.all()).length;
    const run = await cli(server, ['audit', 'verify']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^audit chain OK: ${count} records, head [0-9a-f]{64}\\n$`));
    const result = await server.client.audit.verify();
    assert.equal(result.ok, true);
  });

  it('audit verify exits 1 naming the seq of a row edited in the database', async () => {
    const db = openDatabase(join(server.dataDir, 'tessera.db'));
    try {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare('UPDATE audit_log SET target = ? WHERE seq = ?').run('acme/someone-else', 3);
    } finally {
      db.close();
    }
    const run = await cli(server, ['audit', 'verify']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^audit chain BROKEN at seq 3: hash does not match the record: it was edited$/m);
    const result = await server.client.audit.verify();
    assert.deepEqual(result.ok ? 'ok' : result.seq, 3);
    const json = await cli(server, ['audit', 'verify', '--json']);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).seq, 3);
  });

  it('keys rotate-master without a master key answers MASTER_KEY_NOT_ROTATABLE', async () => {
    assertServerError(await cli(server, ['keys', 'rotate-master']), 'MASTER_KEY_NOT_ROTATABLE');
    assert.deepEqual(await server.client.encryption.status(), { encrypted: false, masterKeyId: null, sealedVersions: 0 });
    assertServerError(await cli(server, ['keys', 'rotate-master'], acmeAdmin.key), 'FORBIDDEN');
  });

  it('tenants delete disables the tenant\'s keys at once', async () => {
    const beta = new TesseraClient({ url: server.url, key: betaKey });
    const deleted = await cli(server, ['tenants', 'delete', 'beta']);
    assert.equal(deleted.code, 0, deleted.stderr);
    await assert.rejects(beta.infer('acme/mlp', [INPUT]), { code: 'UNAUTHENTICATED' });
  });
});

describe('master-key rotation through the CLI', () => {
  let server: TestServer;
  let keyFile = '';

  before(async () => {
    keyFile = join(scratch, 'master.key');
    server = await startTestServer(['--master-key-file', keyFile]);
  });
  after(async () => { await server?.close(); });

  it('rotates the master key; a pushed model still infers, also after a reload from disk', async () => {
    const pushed = await cli(server, ['push', 'mlp', mlpFile, '--alias', 'production']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const expected = probabilities(await server.client.infer('mlp', [INPUT]));
    const status = await server.client.encryption.status();
    assert.equal(status.encrypted, true);
    assert.equal(status.sealedVersions, 1);
    const fileBefore = await readFile(keyFile, 'utf8');

    const run = await cli(server, ['keys', 'rotate-master']);
    assert.equal(run.code, 0, run.stderr);
    const match = /^master key rotated: ([0-9a-f]+) -> ([0-9a-f]+); 1 data keys re-wrapped$/m.exec(run.stdout);
    assert.ok(match, run.stdout);
    assert.equal(match[1], status.masterKeyId);
    assert.notEqual(match[2], match[1]);
    assert.equal((await server.client.encryption.status()).masterKeyId, match[2]);
    assert.notEqual(await readFile(keyFile, 'utf8'), fileBefore);

    assert.deepEqual(probabilities(await server.client.infer('mlp', [INPUT])), expected);
    await server.client.unloadModel('mlp');
    assert.deepEqual(probabilities(await server.client.infer('mlp', [INPUT], { version: 'production' })), expected);

    const again = await cliJson<{ from: string; to: string; rewrapped: number; skipped: number }>(server, ['keys', 'rotate-master']);
    assert.deepEqual([again.from, again.rewrapped, again.skipped], [match[2], 1, 0]);
    await server.client.loadModel('mlp');
    assert.deepEqual(probabilities(await server.client.infer('mlp', [INPUT])), expected);
  });
});

describe('SDK: model names and query strings in URLs', () => {
  const calls: Array<{ method: string; path: string; body: string | null }> = [];
  const recordingFetch: TesseraClientOptions['fetch'] = async (input, init) => {
    const url = new URL(String(input));
    calls.push({ method: init?.method ?? 'GET', path: url.pathname + url.search, body: typeof init?.body === 'string' ? init.body : null });
    const body = url.pathname.startsWith('/predictions/') ? { predictions: [] } : { items: [], groupBy: [] };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const client = new TesseraClient({ url: 'http://tessera.test/base/', key: 'k', fetch: recordingFetch });

  async function pathOf(call: () => Promise<unknown>): Promise<string> {
    calls.length = 0;
    await call();
    assert.equal(calls.length, 1);
    return `${calls[0].method} ${calls[0].path}`;
  }

  it('sends tenant/model as two path segments, each encoded on its own', async () => {
    assert.equal(await pathOf(() => client.getModel('mlp')), 'GET /base/api/models/mlp');
    assert.equal(await pathOf(() => client.getModel('acme/mlp')), 'GET /base/api/models/acme/mlp');
    assert.equal(await pathOf(() => client.updateModel('acme/my model', { visibility: 'shared', sharedWith: ['beta'] })), 'PATCH /base/api/models/acme/my%20model');
    assert.deepEqual(JSON.parse(calls[0].body ?? ''), { visibility: 'shared', sharedWith: ['beta'] });
    assert.equal(await pathOf(() => client.listVersions('acme/mlp')), 'GET /base/api/models/acme/mlp/versions');
    assert.equal(await pathOf(() => client.setAlias('acme/mlp', 'production', 2)), 'PUT /base/api/models/acme/mlp/aliases/production');
    assert.equal(await pathOf(() => client.modelMetadata('acme/mlp', 'production')), 'GET /base/v2/models/acme/mlp/versions/production');
    assert.equal(await pathOf(() => client.modelReady('acme/mlp')), 'GET /base/v2/models/acme/mlp/ready');
    assert.equal(await pathOf(() => client.loadModel('acme/mlp')), 'POST /base/v2/repository/models/acme/mlp/load');
    assert.equal(await pathOf(() => client.modelStats('acme/mlp', 3)), 'GET /base/v2/models/acme/mlp/versions/3/stats');
    assert.equal(await pathOf(() => client.predictImage('acme/vgg', new Uint8Array([1]), { version: 2, topk: 3 })), 'POST /base/predictions/acme/vgg/2?topk=3');
    assert.equal(await pathOf(() => client.predictImage('vgg', new Uint8Array([1]))), 'POST /base/predictions/vgg?topk=5');
    // Only the first slash splits: the rest stays inside the model segment for the server to refuse.
    assert.equal(await pathOf(() => client.getModel('a/b/c')), 'GET /base/api/models/a/b%2Fc');
    assert.throws(() => client.getModel('/mlp'), TypeError);
    assert.throws(() => client.getModel('acme/'), TypeError);
  });

  it('builds the security routes with their query strings', async () => {
    assert.equal(await pathOf(() => client.keys.list()), 'GET /base/api/keys');
    assert.equal(await pathOf(() => client.keys.list({ tenant: 'acme' })), 'GET /base/api/keys?tenant=acme');
    assert.equal(await pathOf(() => client.keys.rotate('abc', { overlapSeconds: 60 })), 'POST /base/api/keys/abc/rotate');
    assert.deepEqual(JSON.parse(calls[0].body ?? ''), { overlapSeconds: 60 });
    assert.equal(await pathOf(() => client.audit.list({ afterSeq: 5, limit: 10, tenant: 'acme' })), 'GET /base/api/audit?afterSeq=5&limit=10&tenant=acme');
    assert.equal(await pathOf(() => client.usage({ groupBy: ['day', 'model'], from: '2025-01-01' })), 'GET /base/api/usage?from=2025-01-01&groupBy=day%2Cmodel');
    assert.equal(await pathOf(() => client.usageCsv({ tenant: 'acme' })), 'GET /base/api/usage?tenant=acme&format=csv');
    assert.equal(await pathOf(() => client.tenants.setLimits('acme', { concurrent: 2 })), 'PATCH /base/api/tenants/acme');
    assert.equal(await pathOf(() => client.encryption.rotate()), 'POST /base/api/encryption/rotate');
  });

  it('turns error answers into TesseraError with the server code', async () => {
    const failing = new TesseraClient({
      url: 'http://tessera.test',
      fetch: async () => new Response(JSON.stringify({ error: 'no', code: 'MASTER_KEY_NOT_ROTATABLE' }), { status: 409 }),
    });
    await assert.rejects(failing.encryption.rotate(), (error: unknown) => isTesseraError(error) && error.code === 'MASTER_KEY_NOT_ROTATABLE' && error.status === 409);
  });
});

/** `node dist/src/cli/main.js …` as a child process. */
function runBinary(args: string[], server: TestServer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, TESSERA_URL: server.url, TESSERA_KEY: server.key }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
