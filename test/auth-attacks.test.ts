/**
 * Attacks on authentication and on the HTTP edge (docs/security.md §4.1–4.4, battery B01, B02, B04, B05, B10, B11,
 * B43) against a real `tessera serve` process, so its log can be searched for secrets: malformed and misplaced keys,
 * keys that are wrong in every way a well-formed key can be (one 401 body, an `auth.failure` audit record naming only
 * the key id), DNS rebinding and CORS, hostile names in every path segment, revocation and rotation under load
 * (refused on the very next request), and tenant deletion. The last tests search the data folder, every answer,
 * the metrics, the audit trail and the server log for every secret this file issued.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/index.js';
import { ERROR_CODES } from '../src/protocol/index.js';
import { formatApiKey, parseApiKey } from '../src/security/index.js';
import {
  buildSmallCnn, rawRequest, spawnServerProcess, startTestServer, TEST_ADMIN_KEY, type RawAnswer, type ServerProcess,
} from '../src/testing/index.js';

// ---------------------------------------------------------------------------------------------------------------
// HTTP through node:http: raw paths, any Host header and any Authorization value go out exactly as written.
// ---------------------------------------------------------------------------------------------------------------

type Answer = RawAnswer;

interface SendOptions {
  key?: string | null;
  headers?: Record<string, string>;
  body?: unknown;
  /** Another server than the file's one (the CORS server). */
  base?: string;
}

let proc: ServerProcess;
let root: string;
let dataDir: string;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Every answer seen (key-issuing answers with their new secret blanked out), searched for secrets at the end. */
const seen: string[] = [];
/** Every secret this file issued or used: full keys and their secret parts. */
const secrets = new Set<string>([TEST_ADMIN_KEY]);

async function send(method: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const { base, ...rest } = options;
  const answer = await rawRequest(base ?? proc.url, method, path, { ...rest, agent });
  const issued = typeof answer.body?.key === 'string' ? answer.body.key as string : undefined;
  if (issued !== undefined) {
    remember(issued);
    seen.push(answer.text.replaceAll(issued, '<issued>'));
  } else {
    seen.push(answer.text);
  }
  return answer;
}

function remember(key: string): void {
  secrets.add(key);
  const parsed = parseApiKey(key);
  if (parsed !== undefined) secrets.add(parsed.secret);
}

function describeAnswer(answer: Answer): string {
  return `${answer.status} ${answer.text.slice(0, 300)}`;
}

async function expectCode(answer: Promise<Answer> | Answer, status: number, code: string, what = ''): Promise<Answer> {
  const result = await answer;
  assert.equal(result.status, status, `${what} → ${describeAnswer(result)}`);
  assert.equal(result.body?.code, code, `${what} → ${describeAnswer(result)}`);
  return result;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function createKey(body: Record<string, unknown>, as: string = TEST_ADMIN_KEY): Promise<{ id: string; key: string; body: any }> {
  const answer = await send('POST', '/api/keys', { key: as, body: { name: 'attack', ...body } });
  assert.equal(answer.status, 201, describeAnswer(answer));
  return { id: answer.body.id, key: answer.body.key, body: answer.body };
}

/** Every audit record after `afterSeq`, read page by page as the server admin. */
async function auditAfter(afterSeq: number): Promise<any[]> {
  const records: any[] = [];
  let cursor = afterSeq;
  for (;;) {
    const page = await send('GET', `/api/audit?afterSeq=${cursor}&limit=1000`, { key: TEST_ADMIN_KEY });
    assert.equal(page.status, 200, describeAnswer(page));
    if (page.body.items.length === 0) return records;
    records.push(...page.body.items);
    cursor = page.body.items[page.body.items.length - 1].seq;
  }
}

async function lastAuditSeq(): Promise<number> {
  const records = await auditAfter(0);
  return records.length === 0 ? 0 : records[records.length - 1].seq;
}

/** A well-formed key (valid checksum) whose secret is wrong. */
function wrongSecret(key: string): string {
  const parsed = parseApiKey(key);
  assert.ok(parsed);
  return formatApiKey(parsed.id, (parsed.secret[0] === 'A' ? 'B' : 'A') + parsed.secret.slice(1));
}

/** The key with its checksum changed: the right shape, refused before any lookup. */
function badChecksum(key: string): string {
  const last = key[key.length - 1];
  return key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

const IMAGE_SIZE = 8;
const INFER_BODY = {
  inputs: [{ name: 'image', shape: [1, 3, IMAGE_SIZE, IMAGE_SIZE], datatype: 'FP32', data: Array.from({ length: 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => (i % 5) / 5) }],
};
const infer = (key: string, path = '/v2/models/resnet/infer'): Promise<Answer> => send('POST', path, { key, body: INFER_BODY });

/** Files below `dir` (relative paths), with size and mtime. */
async function listing(dir: string, skip?: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    if (skip !== undefined && (path === skip || path.startsWith(`${skip}/`))) continue;
    const info = await stat(path);
    out.push(`${relative(dir, path)} ${entry.isFile() ? info.size : 'dir'} ${info.mtimeMs}`);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------------------------

const keys: Record<string, { id: string; key: string }> = {};
let expiredAt = 0;

describe('authentication attacks (B01, B02, B04, B05, B10, B11, B43)', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tessera-attacks-'));
    dataDir = join(root, 'data');
    await mkdir(join(root, 'outside'));
    await writeFile(join(root, 'outside', 'canary.txt'), 'canary: nothing may read or write next to the data folder\n');
    proc = await spawnServerProcess(dataDir, ['--log-level', 'info']);

    for (const name of ['acme', 'beta', 'gone']) {
      assert.equal((await send('POST', '/api/tenants', { key: TEST_ADMIN_KEY, body: { name } })).status, 201);
    }
    keys.expired = await createKey({ tenant: 'acme', scopes: ['tenant:admin'], expiresAt: new Date(Date.now() + 2000).toISOString() });
    expiredAt = Date.now() + 2000;
    keys.ta = await createKey({ tenant: 'acme', scopes: ['tenant:admin'] });
    keys.infer = await createKey({ tenant: 'acme', scopes: ['infer'] });
    keys.revoked = await createKey({ tenant: 'acme', scopes: ['tenant:admin'] });
    keys.gone = await createKey({ tenant: 'gone', scopes: ['tenant:admin'] });
    keys.betaAdmin = await createKey({ tenant: 'beta', scopes: ['tenant:admin'] });
    keys.betaInfer = await createKey({ tenant: 'beta', scopes: ['infer'] });
    assert.equal((await send('DELETE', `/api/keys/${keys.revoked.id}`, { key: TEST_ADMIN_KEY })).status, 200);
    assert.equal((await send('DELETE', '/api/tenants/gone', { key: TEST_ADMIN_KEY })).status, 204);

    for (const [owner, seed] of [[keys.ta.key, 1], [keys.betaAdmin.key, 2]] as const) {
      assert.equal((await send('POST', '/api/models', { key: owner, body: { name: 'resnet' } })).status, 201);
      const pushed = await send('POST', '/api/models/resnet/versions', { key: owner, body: Buffer.from(buildSmallCnn({ size: IMAGE_SIZE, seed })) });
      assert.equal(pushed.status, 201, describeAnswer(pushed));
      assert.equal(pushed.body.state, 'READY', describeAnswer(pushed));
      assert.equal((await send('PUT', '/api/models/resnet/aliases/production', { key: owner, body: { version: 1 } })).status, 200);
    }
    assert.equal((await infer(keys.infer.key)).status, 200);
  });

  after(async () => {
    agent.destroy();
    if (proc !== undefined && proc.child.exitCode === null) {
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise<void>((resolve) => {
        proc.child.once('exit', () => resolve());
        timer = setTimeout(resolve, 10_000);
      });
      proc.child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    }
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('B01: keys only in Authorization: Bearer — wrong schemes, stray text and query-string keys get 401', async () => {
    const admin = TEST_ADMIN_KEY;
    const ta = keys.ta.key;
    const generic = await expectCode(send('GET', '/api/models'), 401, 'UNAUTHENTICATED', 'no key');
    const malformed: Array<[string, string]> = [
      ['Basic with the key', `Basic ${Buffer.from(`${ta}:`).toString('base64')}`],
      ['Token scheme', `Token ${ta}`],
      ['no scheme', ta],
      ['two spaces', `Bearer  ${ta}`],
      ['trailing text', `Bearer ${ta} extra`],
      ['two keys', `Bearer ${ta},${admin}`],
      ['oversized', `Bearer ${'A'.repeat(600)}`],
      ['scheme only', 'Bearer'],
    ];
    for (const [what, authorization] of malformed) {
      const answer = await expectCode(send('GET', '/api/models', { headers: { authorization } }), 401, 'UNAUTHENTICATED', what);
      assert.equal(answer.text, generic.text, `${what}: the same generic body`);
    }
    // A key in the query string is refused even next to a valid header, whatever the parameter is called.
    for (const name of ['key', 'api_key', 'apikey', 'token', 'access_token', 'KEY', 'Api_Key']) {
      for (const [path, method] of [['/api/models', 'GET'], ['/v2/models/resnet/infer', 'POST']] as const) {
        const answer = await send(method, `${path}?${name}=${encodeURIComponent(ta)}`, { key: ta, body: method === 'POST' ? INFER_BODY : undefined });
        await expectCode(answer, 401, 'UNAUTHENTICATED', `?${name}= on ${method} ${path}`);
        assert.ok(!answer.text.includes(ta), 'the answer does not echo the key');
      }
    }
    await expectCode(send('GET', `/api/models?x=1&key=${encodeURIComponent(admin)}`), 401, 'UNAUTHENTICATED');
    // The health routes stay public; everything else needs a key, including the docs and metrics.
    assert.equal((await send('GET', '/v2/health/live')).status, 200);
    assert.equal((await send('GET', '/v2/health/ready')).status, 200);
    for (const path of ['/v2', '/docs', '/docs/openapi.json', '/metrics', '/api/encryption']) {
      await expectCode(send('GET', path), 401, 'UNAUTHENTICATED', path);
    }
  });

  it('B02: bad checksum, wrong secret, unknown id, revoked, expired, deleted tenant → one 401 body and an auth.failure record with only the key id', async () => {
    const wait = expiredAt + 100 - Date.now();
    if (wait > 0) await sleep(wait);
    const unknown = formatApiKey('zzzzzzzzzzzz', 'Q'.repeat(43));
    const cases: Array<[string, string, string]> = [
      ['bad checksum', badChecksum(keys.infer.key), keys.infer.id],
      ['wrong secret', wrongSecret(keys.ta.key), keys.ta.id],
      ['unknown key id', unknown, 'zzzzzzzzzzzz'],
      ['revoked', keys.revoked.key, keys.revoked.id],
      ['expired', keys.expired.key, keys.expired.id],
      ['deleted tenant', keys.gone.key, keys.gone.id],
    ];
    for (const [, presented] of cases) remember(presented);
    // Failures are audited at most five a second: start a fresh second and space the attempts.
    await sleep(1100);
    const since = await lastAuditSeq();
    let reference: Answer | undefined;
    for (const [what, presented] of cases) {
      const answer = await expectCode(send('GET', '/api/models', { key: presented }), 401, 'UNAUTHENTICATED', what);
      reference ??= answer;
      assert.equal(answer.text, reference.text, `${what}: the same body as the others`);
      assert.equal(answer.headers['content-type'], reference.headers['content-type']);
      await sleep(250);
    }
    const failures = (await auditAfter(since)).filter((record) => record.action === 'auth.failure');
    for (const [what, presented, id] of cases) {
      const record = failures.find((r) => r.actor === `key:${id}`);
      assert.ok(record, `${what}: an auth.failure record for key ${id} (got ${failures.map((r) => r.actor).join(', ')})`);
      assert.equal(record.outcome, 'refused');
      assert.match(record.target, /^GET \/api\/models/);
      const text = JSON.stringify(record);
      assert.ok(!text.includes(parseApiKey(presented)?.secret ?? presented.slice(17, 60)), `${what}: the record holds no secret`);
      assert.ok(!text.includes(presented.slice(17)), `${what}: the record holds no part of the secret`);
    }
    // The working keys still work (a failure locks nothing out).
    assert.equal((await send('GET', '/api/models', { key: keys.ta.key })).status, 200);
  });

  it('B05: bound to loopback; a foreign Host header gets 421 before anything else; CORS off by default', async () => {
    assert.equal(loadConfig([], {}).host, '127.0.0.1', 'the default bind address');
    const { port } = new URL(proc.url);
    assert.equal(new URL(proc.url).hostname, '127.0.0.1');
    const external = Object.values(networkInterfaces()).flat().find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal);
    if (external !== undefined) {
      const reached = await new Promise<boolean>((resolve) => {
        const request = http.get({ host: external.address, port, path: '/v2/health/live', timeout: 2000 }, (response) => { response.resume(); resolve(true); });
        request.on('error', () => resolve(false));
        request.on('timeout', () => { request.destroy(); resolve(false); });
      });
      assert.equal(reached, false, `the server answers on ${external.address}`);
    }
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', `127.0.0.1.evil.example:${port}`, '0.0.0.0']) {
      for (const [method, path, key] of [['GET', '/v2/health/live', null], ['GET', '/api/models', TEST_ADMIN_KEY], ['POST', '/v2/models/resnet/infer', keys.infer.key], ['GET', '/api/nope', null]] as const) {
        await expectCode(send(method, path, { key, headers: { host }, body: method === 'POST' ? INFER_BODY : undefined }), 421, 'HOST_NOT_ALLOWED', `${method} ${path} Host: ${host}`);
      }
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await send('GET', '/v2/health/live', { headers: { host } })).status, 200, `Host: ${host}`);
    }
    // CORS is off: no access-control headers for any origin, on a call or a preflight.
    const origin = 'https://app.example';
    const call = await send('GET', '/api/models', { key: TEST_ADMIN_KEY, headers: { origin } });
    assert.equal(call.status, 200);
    const preflight = await send('OPTIONS', '/api/models', { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    for (const answer of [call, preflight]) {
      const cors = Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));
      assert.deepEqual(cors, [], `CORS headers while CORS is off (${answer.status})`);
    }
  });

  it('B05: with --cors-origins only that origin gets a preflight answer and CORS headers', async () => {
    const cors = await startTestServer(['--cors-origins', 'https://app.example']);
    try {
      const base = cors.url;
      const allowed = 'https://app.example';
      const preflight = await send('OPTIONS', '/api/models', {
        base, headers: { origin: allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      assert.equal(preflight.status, 204, describeAnswer(preflight));
      assert.equal(preflight.headers['access-control-allow-origin'], allowed);
      assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
      assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/i);
      assert.match(String(preflight.headers.vary), /origin/i);
      const call = await send('GET', '/api/models', { base, key: TEST_ADMIN_KEY, headers: { origin: allowed } });
      assert.equal(call.status, 200);
      assert.equal(call.headers['access-control-allow-origin'], allowed);
      // The preflight needs no key, the real call still does.
      await expectCode(send('GET', '/api/models', { base, headers: { origin: allowed } }), 401, 'UNAUTHENTICATED');
      for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example', 'null', 'https://app.example:8443']) {
        const other = await send('OPTIONS', '/api/models', { base, headers: { origin, 'access-control-request-method': 'POST' } });
        assert.notEqual(other.status, 204, `${origin}: preflight answered`);
        const otherCall = await send('GET', '/api/models', { base, key: TEST_ADMIN_KEY, headers: { origin } });
        for (const answer of [other, otherCall]) {
          assert.deepEqual(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-')), [], `${origin} got CORS headers`);
        }
      }
      await expectCode(send('OPTIONS', '/api/models', { base, headers: { origin: allowed, host: 'evil.example' } }), 421, 'HOST_NOT_ALLOWED', 'a preflight with a foreign Host');
    } finally {
      await cors.close();
    }
  });

  it('B10/B11: hostile names in the tenant, model, version and alias segments → 400/404 with a catalogue code; nothing outside the data folder is touched', async () => {
    const outsideBefore = await listing(root, dataDir);
    const modelsBefore = (await send('GET', '/api/models', { key: TEST_ADMIN_KEY })).body.items.map((m: any) => `${m.tenant}/${m.name}`).sort();
    const tenantsBefore = (await send('GET', '/api/tenants', { key: TEST_ADMIN_KEY })).text;
    const segments = [
      '..', '.', '../x'.replace('/', '%2f'), '..%2Fx', '%2e%2e', '%2E%2E', '%2e%2e%2f', '..%2f..%2f..%2fetc%2fpasswd', '%252e%252e%252f',
      '%252e%252e', '..%252f', 'a;b', 'resnet;x=1', '%00', 'resnet%00', 'a%00b', 'a%5cb', '..%5c..%5cx', 'C%3Ax', 'x'.repeat(300),
      're%CC%81snet' /* NFD é */, 'r%C3%A9snet' /* NFC é */, '%EF%BD%92esnet' /* fullwidth r */, 'ac%CC%81me', 'RESNET', 'ACME',
      '%20resnet', 'resnet%0d%0ax', 'resnet%2f', '%2fetc%2fpasswd', 'resnet%23x', 'resnet%3fx', '%2e', '~root',
    ];
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const model = Buffer.from(buildSmallCnn({ size: IMAGE_SIZE, seed: 5 }));
    const templates: Array<[string, string, unknown]> = [
      ['GET', '/api/models/S', undefined], ['GET', '/api/models/S/resnet', undefined], ['GET', '/api/models/acme/S', undefined],
      ['DELETE', '/api/models/S', undefined], ['DELETE', '/api/models/S/resnet', undefined], ['DELETE', '/api/models/acme/S', undefined],
      ['POST', '/api/models/S/versions', model], ['POST', '/api/models/S/resnet/versions', model], ['POST', '/api/models/acme/S/versions', model],
      ['GET', '/api/models/acme/resnet/versions/S', undefined], ['DELETE', '/api/models/acme/resnet/versions/S', undefined],
      ['PUT', '/api/models/acme/resnet/aliases/S', { version: 1 }], ['GET', '/api/models/acme/resnet/aliases/S/history', undefined],
      ['POST', '/v2/models/S/infer', INFER_BODY], ['POST', '/v2/models/S/resnet/infer', INFER_BODY], ['POST', '/v2/models/acme/S/infer', INFER_BODY],
      ['POST', '/v2/models/acme/resnet/versions/S/infer', INFER_BODY], ['POST', '/v2/repository/models/S/resnet/load', undefined],
      ['POST', '/predictions/S', png], ['POST', '/predictions/S/resnet', png], ['POST', '/predictions/acme/S/1', png],
      ['GET', '/api/tenants/S', undefined], ['GET', '/api/keys/S', undefined],
    ];
    const failures: string[] = [];
    const bad: string[] = [];
    for (const segment of segments) {
      await Promise.all(templates.flatMap(([method, template, body]) => [TEST_ADMIN_KEY, keys.ta.key].map(async (key) => {
        const path = template.replace('S', segment);
        const answer = await send(method, path, { key, body, headers: template.startsWith('/predictions') ? { 'content-type': 'image/png' } : undefined });
        const who = key === TEST_ADMIN_KEY ? 'admin' : 'acme';
        const wrong = ![400, 404].includes(answer.status) ? 'status' : !Object.hasOwn(ERROR_CODES, answer.body?.code) ? 'code outside the catalogue' : undefined;
        if (wrong !== undefined) bad.push(`${wrong}: ${method} ${path.slice(0, 70)} [${who}] → ${describeAnswer(answer).slice(0, 140)}`);
      })));
      if (bad.length > 0) failures.push(`segment ${JSON.stringify(segment.slice(0, 40))}: ${bad.length} wrong answers, e.g. ${bad[0]}`);
      bad.length = 0;
      // The same names in JSON bodies.
      const name = decodeURIComponent(segment.replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
      for (const body of [{ name }, { name: `${name}/x` }, { name: `acme/${name}` }]) {
        const answer = await send('POST', '/api/models', { key: TEST_ADMIN_KEY, body });
        if (answer.status !== 400) failures.push(`POST /api/models ${JSON.stringify(body).slice(0, 80)} → ${describeAnswer(answer).slice(0, 160)}`);
      }
      const tenant = await send('POST', '/api/tenants', { key: TEST_ADMIN_KEY, body: { name } });
      if (tenant.status !== 400) failures.push(`POST /api/tenants ${JSON.stringify(name).slice(0, 80)} → ${describeAnswer(tenant).slice(0, 160)}`);
    }
    for (const path of ['/api/models//resnet', '/api/models/acme//resnet', '//api/models/resnet', '/api/models/acme/resnet//versions', '/api/models/acme/./resnet', '/api/models/acme/../beta/resnet']) {
      const answer = await send('GET', path, { key: TEST_ADMIN_KEY });
      if (![400, 404].includes(answer.status)) failures.push(`GET ${path} → ${describeAnswer(answer)}`);
    }
    assert.deepEqual(failures, []);

    assert.deepEqual(await listing(root, dataDir), outsideBefore, 'files next to the data folder changed');
    assert.equal(await readFile(join(root, 'outside', 'canary.txt'), 'utf8'), 'canary: nothing may read or write next to the data folder\n');
    const modelsAfter = (await send('GET', '/api/models', { key: TEST_ADMIN_KEY })).body.items.map((m: any) => `${m.tenant}/${m.name}`).sort();
    assert.deepEqual(modelsAfter, modelsBefore);
    assert.equal((await send('GET', '/api/tenants', { key: TEST_ADMIN_KEY })).text, tenantsBefore);
    // Storage names are server-made ids only: no client text ever reaches the file system.
    for (const line of await listing(join(dataDir, 'artifacts'))) {
      const path = line.split(' ')[0];
      assert.match(path, /^(tmp|[0-9a-f]{2}|[0-9a-f]{2}\/[0-9a-f]{32}\.onnx)$/, `unexpected storage path ${path}`);
    }
    assert.equal((await infer(keys.infer.key)).status, 200, 'acme/resnet still serves');
  });

  it('B11: a raw "#" in the request target is refused, not cut off (no fragment reaches a route)', async () => {
    for (const path of ['/api/models/acme/resnet#x', '/api/models/acme/resnet#/../../beta/resnet', '/v2/models/resnet#frag']) {
      const answer = await send('GET', path, { key: TEST_ADMIN_KEY });
      assert.ok([400, 404].includes(answer.status), `GET ${path} → ${describeAnswer(answer)}`);
    }
  });

  it('router-level refusals (over-long parameter, malformed percent-encoding) still pass the Host check, authentication and the error catalogue', async () => {
    const long = 'x'.repeat(300);
    const failures: string[] = [];
    // Without a key an existing route must answer like an unknown one, or the route table can be probed.
    for (const [existing, unknown] of [[`/api/models/${long}`, `/api/nothing/${long}`], [`/api/keys/${long}`, `/api/nothing/${long}`], [`/v2/models/acme/${long}/infer`, `/v2/nothing/acme/${long}/infer`]]) {
      const [a, b] = [await send('GET', existing), await send('GET', unknown)];
      if (a.status !== 401 || a.body?.code !== 'UNAUTHENTICATED' || a.status !== b.status || a.body?.code !== b.body?.code) {
        failures.push(`no key: GET ${existing.slice(0, 30)}… → ${describeAnswer(a).slice(0, 140)} but GET ${unknown.slice(0, 30)}… → ${b.status} ${b.body?.code}`);
      }
    }
    // The DNS-rebinding defence comes before everything.
    for (const path of [`/api/models/${long}`, '/api/models/%zz', '/api/models/%c0%af']) {
      const answer = await send('GET', path, { key: TEST_ADMIN_KEY, headers: { host: 'evil.example' } });
      if (answer.status !== 421 || answer.body?.code !== 'HOST_NOT_ALLOWED') failures.push(`Host: evil.example GET ${path.slice(0, 30)}… → ${describeAnswer(answer).slice(0, 140)}`);
    }
    // Every answer uses the error catalogue and does not reflect the raw request target.
    for (const [path, key] of [[`/api/models/${long}`, TEST_ADMIN_KEY], [`/v2/models/acme/${long}/infer`, TEST_ADMIN_KEY], ['/api/models/%zz', TEST_ADMIN_KEY], ['/api/models/..%c0%af..%c0%afetc', TEST_ADMIN_KEY], ['/api/models/%c0%af', null]] as const) {
      const answer = await send('GET', path, { key });
      const ok = [400, 401, 404].includes(answer.status) && Object.hasOwn(ERROR_CODES, answer.body?.code) && !answer.text.includes(path);
      if (!ok) failures.push(`GET ${path.slice(0, 30)}… [${key === null ? 'no key' : 'admin'}] → ${describeAnswer(answer).slice(0, 160)}`);
    }
    assert.deepEqual(failures, []);
  });

  it('B43 / the issue: switching keys under load loses no request, and the revoked key is refused on the very next request', async () => {
    const a = await createKey({ name: 'client-a', scopes: ['infer'] }, keys.ta.key);
    let current = a.key;
    let stop = false;
    const results: Array<{ worker: number; key: 'A' | 'B'; status: number; text: string }> = [];
    const lastKeyOf = new Map<number, 'A' | 'B'>();
    let b: { id: string; key: string } | undefined;
    const workers = Array.from({ length: 4 }, async (_, worker) => {
      while (!stop) {
        const key = current;
        const answer = await infer(key);
        const which = key === a.key ? 'A' : 'B';
        results.push({ worker, key: which, status: answer.status, text: answer.text.slice(0, 200) });
        lastKeyOf.set(worker, which);
      }
    });
    const until = async (condition: () => boolean): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (!condition()) {
        assert.ok(Date.now() < deadline, 'timed out waiting for the load loop');
        await sleep(5);
      }
    };
    try {
      await until(() => results.length >= 40);
      b = await createKey({ name: 'client-b', scopes: ['infer'] }, keys.ta.key);
      current = b.key;
      // Once every worker finished a request with B, no request with A is in flight.
      await until(() => [0, 1, 2, 3].every((worker) => lastKeyOf.get(worker) === 'B'));
      const revoked = await send('DELETE', `/api/keys/${a.id}`, { key: keys.ta.key });
      assert.equal(revoked.status, 200, describeAnswer(revoked));
      assert.ok(revoked.body.revokedAt);
      await expectCode(infer(a.key), 401, 'UNAUTHENTICATED', 'the very next request with the revoked key');
      const mark = results.length;
      await until(() => results.length >= mark + 40);
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    const failed = results.filter((result) => result.status !== 200);
    assert.deepEqual(failed, [], 'failed requests during the switch');
    assert.ok(results.some((r) => r.key === 'A') && results.some((r) => r.key === 'B'));
    await expectCode(infer(a.key), 401, 'UNAUTHENTICATED', 'the revoked key stays refused');
    await expectCode(send('GET', '/api/models', { key: a.key }), 401, 'UNAUTHENTICATED');
    assert.equal((await infer(b!.key)).status, 200);
  });

  it('rotation: with overlapSeconds 2 both secrets work, afterwards only the new one; with 0 the old one is refused at once', async () => {
    const c = await createKey({ name: 'rotating', scopes: ['infer'] }, keys.ta.key);
    const asked = Date.now();
    const rotated = await send('POST', `/api/keys/${c.id}/rotate`, { key: keys.ta.key, body: { overlapSeconds: 2 } });
    assert.equal(rotated.status, 201, describeAnswer(rotated));
    const fresh = rotated.body.key as string;
    assert.notEqual(fresh, c.key);
    assert.equal(rotated.body.id, c.id);
    const overlapEnds = Date.parse(rotated.body.previousSecretExpiresAt);
    assert.ok(overlapEnds >= asked + 1990, `the overlap ends 2 s after the rotation (${rotated.body.previousSecretExpiresAt})`);
    assert.equal((await infer(c.key)).status, 200, 'the old secret during the overlap');
    assert.equal((await infer(fresh)).status, 200, 'the new secret during the overlap');
    const wait = overlapEnds + 100 - Date.now();
    if (wait > 0) await sleep(wait);
    await expectCode(infer(c.key), 401, 'UNAUTHENTICATED', 'the old secret after the overlap');
    assert.equal((await infer(fresh)).status, 200, 'the new secret after the overlap');

    const d = await createKey({ name: 'rotating-now', scopes: ['infer'] }, keys.ta.key);
    assert.equal((await infer(d.key)).status, 200);
    const now = await send('POST', `/api/keys/${d.id}/rotate`, { key: keys.ta.key, body: {} });
    assert.equal(now.status, 201, describeAnswer(now));
    await expectCode(infer(d.key), 401, 'UNAUTHENTICATED', 'the old secret right after a rotation without overlap');
    assert.equal((await infer(now.body.key)).status, 200);
    // A revoked key cannot be brought back by rotating it.
    assert.equal((await send('DELETE', `/api/keys/${d.id}`, { key: keys.ta.key })).status, 200);
    const again = await send('POST', `/api/keys/${d.id}/rotate`, { key: keys.ta.key, body: {} });
    assert.equal(again.status, 400, describeAnswer(again));
    await expectCode(infer(now.body.key), 401, 'UNAUTHENTICATED');
  });

  it("deleting a tenant refuses its keys on the very next request and leaves other tenants alone", async () => {
    assert.equal((await send('GET', '/api/models', { key: keys.betaAdmin.key })).status, 200);
    assert.equal((await infer(keys.betaInfer.key)).status, 200);
    assert.equal((await send('DELETE', '/api/tenants/beta', { key: TEST_ADMIN_KEY })).status, 204);
    await expectCode(send('GET', '/api/models', { key: keys.betaAdmin.key }), 401, 'UNAUTHENTICATED', 'beta tenant admin');
    await expectCode(infer(keys.betaInfer.key), 401, 'UNAUTHENTICATED', 'beta infer key');
    await expectCode(send('POST', '/api/keys', { key: TEST_ADMIN_KEY, body: { name: 'late', tenant: 'beta', scopes: ['infer'] } }), 404, 'TENANT_NOT_FOUND');
    assert.equal((await infer(keys.infer.key)).status, 200, 'acme still serves');
  });

  // ---- B04: runs last, over everything this file did ----

  it('B04: no issued secret in the data folder (database, WAL, artifacts)', async () => {
    assert.ok(secrets.size > 20, `collected ${secrets.size} secrets`);
    const hits: string[] = [];
    for (const line of await listing(dataDir)) {
      const path = join(dataDir, line.split(' ')[0]);
      if (!(await stat(path)).isFile()) continue;
      const bytes = await readFile(path);
      for (const secret of secrets) if (bytes.includes(secret)) hits.push(`${relative(dataDir, path)} holds ${secret.slice(0, 12)}…`);
    }
    assert.deepEqual(hits, []);
  });

  it('B04: no issued secret in any answer, the metrics or the audit trail', async () => {
    const metrics = await send('GET', '/metrics', { key: TEST_ADMIN_KEY });
    assert.equal(metrics.status, 200);
    const audit = JSON.stringify(await auditAfter(0));
    assert.ok(audit.includes('auth.failure'));
    const sources: Array<[string, string]> = [['metrics', metrics.text], ['audit', audit], ...seen.map((text, i): [string, string] => [`answer #${i}`, text])];
    const hits: string[] = [];
    for (const secret of secrets) {
      for (const [where, text] of sources) if (text.includes(secret)) hits.push(`${where} holds ${secret.slice(0, 12)}…: ${text.slice(0, 120)}`);
    }
    assert.deepEqual(hits.slice(0, 10), []);
  });

  it('B04: no issued secret in the server log (keys sent in the query string included)', async () => {
    await sleep(200);
    const log = proc.output();
    assert.ok(log.includes('incoming request') || log.length > 1000, 'the log was captured');
    const hits = [...secrets].filter((secret) => log.includes(secret)).map((secret) => {
      const at = log.indexOf(secret);
      return `${secret.slice(0, 12)}… in: ${log.slice(Math.max(0, log.lastIndexOf('\n', at) + 1), at + 20).slice(0, 240)}`;
    });
    assert.deepEqual(hits.slice(0, 5), []);
  });
});
