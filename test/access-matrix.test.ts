/**
 * The access matrix (docs/security.md §4.1–4.4, battery B01, B03, B06, B07, B08), generated from the route table
 * (src/server/route-policy.ts) against one real server: every route × every kind of caller — no key, malformed
 * Authorization, a key in the query string, a bad, revoked or expired key, a key of the other tenant, a key lacking the
 * scope, and the right key. Refused changes leave the registry and the key table as they were. Also: the route table
 * covers every route Fastify registers and every documented path; sharing and public models; list endpoints never
 * show another tenant's private models; two tenants with the same model name are independent; mass assignment is
 * refused; no answer ever carries a key digest, a storage path or the data folder.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { basename, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { FastifyInstance, RouteOptions } from 'fastify';
import sharp from 'sharp';
import type { Scope } from '../src/protocol/index.js';
import { formatApiKey, parseApiKey } from '../src/security/index.js';
import { ROUTE_POLICIES, type RoutePolicy } from '../src/server/route-policy.js';
import { buildSmallCnn, rawRequest, startTestServer, TEST_ADMIN_KEY, type RawAnswer, type TestServer } from '../src/testing/index.js';

// ---------------------------------------------------------------------------------------------------------------
// HTTP: node:http (not fetch), so Authorization values like "Bearer " and raw paths go out exactly as written.
// ---------------------------------------------------------------------------------------------------------------

type Answer = RawAnswer;

interface SendOptions {
  /** Sent as `Authorization: Bearer <key>`; undefined/null: no Authorization header (unless `headers` has one). */
  key?: string | null;
  headers?: Record<string, string>;
  /** A Buffer goes as-is (content-type defaults to octet-stream); anything else as JSON. */
  body?: unknown;
}

let server: TestServer;
let agent: http.Agent;
/** Every answer body this file received (checked at the end for digests, paths and the data folder). */
const seen: string[] = [];

async function send(method: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const answer = await rawRequest(server.url, method, path, { ...options, agent });
  seen.push(answer.text);
  return answer;
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

// ---------------------------------------------------------------------------------------------------------------
// Fixture: tenants acme and beta, model resnet in each (v1 READY, alias production), and the keys of the matrix.
// ---------------------------------------------------------------------------------------------------------------

const IMAGE_SIZE = 8;
const ACME_BYTES = buildSmallCnn({ size: IMAGE_SIZE, seed: 1 });
const BETA_BYTES = buildSmallCnn({ size: IMAGE_SIZE, seed: 2 });
const PUSH_BYTES = buildSmallCnn({ size: IMAGE_SIZE, seed: 3 });
const INFER_BODY = {
  inputs: [{ name: 'image', shape: [1, 3, IMAGE_SIZE, IMAGE_SIZE], datatype: 'FP32', data: Array.from({ length: 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => (i % 7) / 7) }],
};
let png: Buffer;

type AcmeRole = 'ta' | 'write' | 'read' | 'infer' | 'inferOther' | 'metrics';
type KeyName = AcmeRole | 'admin' | 'betaAdmin' | 'revoked' | 'expired' | 'sacrificeRevoke' | 'sacrificeRotate' | 'gamma';

const keys = {} as Record<KeyName, string>;
const ids = {} as Record<KeyName, string>;

/** What each scope lets a key do (docs/security.md §4.2 and app/access.ts): written out here, not imported. */
const IMPLIES: Readonly<Record<Scope, readonly Scope[]>> = {
  admin: ['admin', 'tenant:admin', 'models:write', 'models:read', 'infer', 'metrics:read'],
  'tenant:admin': ['tenant:admin', 'models:write', 'models:read', 'infer'],
  'models:write': ['models:write', 'models:read'],
  'models:read': ['models:read'],
  infer: ['infer'],
  'metrics:read': ['metrics:read'],
};

/** The acme keys of the matrix and their scopes. */
const ACME_ROLES: ReadonlyArray<[AcmeRole, Scope[]]> = [
  ['ta', ['tenant:admin']], ['write', ['models:write']], ['read', ['models:read']], ['infer', ['infer']],
  ['inferOther', ['infer']], ['metrics', ['metrics:read']],
];

/** The key that holds a scope directly. */
const HOLDER: Readonly<Record<Scope, KeyName>> = {
  admin: 'admin', 'tenant:admin': 'ta', 'models:write': 'write', 'models:read': 'read', infer: 'infer', 'metrics:read': 'metrics',
};

async function createKey(name: KeyName, body: Record<string, unknown>, as: string = TEST_ADMIN_KEY): Promise<void> {
  const answer = await send('POST', '/api/keys', { key: as, body: { name: `matrix-${name}`, ...body } });
  assert.equal(answer.status, 201, describeAnswer(answer));
  keys[name] = answer.body.key;
  ids[name] = answer.body.id;
}

async function deployResnet(tenantKey: string, bytes: Uint8Array, name = 'resnet'): Promise<void> {
  const created = await send('POST', '/api/models', {
    key: tenantKey, body: { name, task: 'image-classification', labels: ['a', 'b', 'c', 'd'], preprocess: { preset: 'torch' } },
  });
  assert.equal(created.status, 201, describeAnswer(created));
  const pushed = await send('POST', `/api/models/${name}/versions`, { key: tenantKey, body: Buffer.from(bytes) });
  assert.equal(pushed.status, 201, describeAnswer(pushed));
  assert.equal(pushed.body.state, 'READY', describeAnswer(pushed));
  const alias = await send('PUT', `/api/models/${name}/aliases/production`, { key: tenantKey, body: { version: pushed.body.version } });
  assert.equal(alias.status, 200, describeAnswer(alias));
}

/** A well-formed key (valid checksum) whose secret is wrong. */
function wrongSecret(key: string): string {
  const parsed = parseApiKey(key);
  assert.ok(parsed, 'a tsk_ key');
  return formatApiKey(parsed.id, (parsed.secret[0] === 'A' ? 'B' : 'A') + parsed.secret.slice(1));
}

/** The state a refused change must leave alone, read as the server admin (`lastUsedAt` and `loaded` are book-keeping). */
async function snapshot(): Promise<string> {
  const paths = [
    '/api/models/acme/resnet', '/api/models/acme/resnet/versions', '/api/models/acme/resnet/aliases',
    '/api/models/acme/resnet/aliases/production/history', '/api/keys', '/api/tenants', '/api/models',
  ];
  const answers = await Promise.all(paths.map((path) => send('GET', path, { key: TEST_ADMIN_KEY })));
  for (const [i, answer] of answers.entries()) assert.equal(answer.status, 200, `${paths[i]} → ${describeAnswer(answer)}`);
  return JSON.stringify(answers.map((answer) => answer.body), (field, value) => (field === 'lastUsedAt' || field === 'loaded' ? undefined : value));
}

// ---------------------------------------------------------------------------------------------------------------
// The route table as requests.
// ---------------------------------------------------------------------------------------------------------------

interface Route {
  key: string;
  method: string;
  url: string;
  policy: RoutePolicy;
}

const ROUTES: Route[] = [...ROUTE_POLICIES.entries()].map(([key, policy]) => {
  const [method, url] = key.split(' ');
  return { key, method, url, policy };
});

type Pass = 'refused' | 'right' | 'beta';

/** acme's objects for every path parameter. */
function acmeValues(): Record<string, string> {
  return { tenant: 'acme', name: 'resnet', version: '1', alias: 'production', id: ids.read, repository: 'acme', first: 'acme', second: 'resnet' };
}

function fill(url: string, values: Record<string, string>): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const value = values[name];
    assert.ok(value !== undefined, `no value for :${name} in ${url}`);
    return encodeURIComponent(value);
  });
}

/** Changes a model (refused ones must leave it alone). */
const isChange = (route: Route): boolean => route.policy.audit !== undefined;
const isModelRoute = (route: Route): boolean => /^\/(api\/models|v2\/models|v2\/repository\/models|predictions)\/:/.test(route.url);
/** A route whose path names a model as `tenant/model`. */
const isTenantForm = (route: Route): boolean => isModelRoute(route) && (route.url.includes(':tenant') || route.url.includes(':first'));
/** A route whose path names one of acme's objects by tenant form, key id or tenant name. */
const namesAcmeObject = (route: Route): boolean =>
  isTenantForm(route) || route.url.includes(':id') || route.url === '/api/tenants/:tenant';

/** The body a route is called with; refused calls get bodies that would do harm if they got through. */
function bodyFor(route: Route, pass: Pass): SendOptions {
  const { method, url } = route;
  if (route.key === 'POST /api/models') {
    return { body: { name: pass === 'right' ? 'matrix-made' : pass === 'beta' ? 'acme/matrix-evil' : 'matrix-evil' } };
  }
  if (route.key === 'POST /api/tenants') return { body: { name: pass === 'right' ? 'matrix-made' : 'matrix-evil' } };
  if (route.key === 'PATCH /api/tenants/:tenant') return { body: { limits: { monthlyRequests: 999_999 } } };
  if (route.key === 'POST /api/keys') {
    return { body: pass === 'right' ? { name: 'matrix-made', scopes: ['infer'] } : { name: 'matrix-evil', tenant: 'acme', scopes: ['tenant:admin'] } };
  }
  if (route.key === 'POST /api/keys/:id/rotate') return { body: { overlapSeconds: 60 } };
  if (route.key === 'POST /v2/repository/index') return { body: {} };
  if (method === 'PATCH' && url.startsWith('/api/models')) return { body: { description: `changed (${pass})` } };
  if (method === 'POST' && url.endsWith('/versions')) return { body: Buffer.from(PUSH_BYTES) };
  if (method === 'PUT' && url.includes('/aliases/')) return { body: { version: 1 } };
  if (method === 'PUT' && url.endsWith('/traffic')) return { body: { routes: [{ version: 1, weight: 100 }] } };
  if (url.endsWith('/infer')) return { body: INFER_BODY };
  if (url.startsWith('/predictions')) return { body: png, headers: { 'content-type': 'image/png' } };
  return {};
}

/** The key that holds what the route needs; null for public routes. */
function rightKeyOf(route: Route): KeyName | null {
  const { access } = route.policy;
  if (access === 'public') return null;
  if (access === 'authenticated') return 'read';
  return HOLDER[access[0]];
}

/** The acme keys that hold none of the route's scopes (plus the key limited to another model, on inference). */
function lackingKeysOf(route: Route): AcmeRole[] {
  const { access } = route.policy;
  if (access === 'public' || access === 'authenticated') return [];
  const roles = ACME_ROLES.filter(([, scopes]) => !holds(scopes, access)).map(([role]) => role);
  if (route.policy.inference === true && !roles.includes('inferOther')) roles.push('inferOther');
  return roles;
}

function holds(scopes: readonly Scope[], access: RoutePolicy['access']): boolean {
  if (access === 'public' || access === 'authenticated') return true;
  return scopes.some((held) => access.some((needed) => IMPLIES[held].includes(needed)));
}

/** Statuses the right key may get: success, or the domain answer the fixture leads to. */
function rightStatuses(route: Route): number[] {
  const { method, url, key } = route;
  const fixed: Record<string, number[]> = {
    'POST /api/models': [201], 'POST /api/tenants': [201], 'POST /api/keys': [201], 'POST /api/keys/:id/rotate': [201],
    'POST /v2/repository/:repository/index': [501], 'POST /api/encryption/rotate': [409],
  };
  if (fixed[key]) return fixed[key];
  if (method === 'POST' && url.endsWith('/versions')) return [201];
  if (method === 'DELETE' && url.includes('/versions/:version')) return [409]; // VERSION_IN_USE: production → 1
  if (url.endsWith('/rollback')) return [200, 409];
  if (method === 'DELETE' && url !== '/api/keys/:id') return [204];
  return [200];
}

const UNAUTH_KINDS: ReadonlyArray<{ kind: string; options: (route: Route) => SendOptions & { query?: string } }> = [
  { kind: 'no key', options: () => ({}) },
  { kind: 'Basic scheme', options: () => ({ headers: { authorization: 'Basic x' } }) },
  { kind: '"Bearer " with nothing after it', options: () => ({ headers: { authorization: 'Bearer ' } }) },
  { kind: 'empty Authorization', options: () => ({ headers: { authorization: '' } }) },
  { kind: 'right key in the query string', options: (route) => ({ query: `key=${keys[rightKeyOf(route) ?? 'ta']}` }) },
  { kind: 'well-formed key with a wrong secret', options: () => ({ key: wrongSecret(keys.ta) }) },
  { kind: 'revoked key', options: () => ({ key: keys.revoked }) },
  { kind: 'expired key', options: () => ({ key: keys.expired }) },
];

// ---------------------------------------------------------------------------------------------------------------

/** Every route Fastify registers while the server starts (seen through Fastify's initialization channel). */
const registered: Array<{ method: string; url: string }> = [];

describe('access matrix (B01, B03, B06–B08)', () => {
  before(async () => {
    const onInit = (message: unknown): void => {
      const { fastify } = message as { fastify: FastifyInstance };
      fastify.addHook('onRoute', (route: RouteOptions) => {
        for (const method of [route.method].flat()) registered.push({ method, url: route.url });
      });
    };
    subscribe('fastify.initialization', onInit);
    try {
      server = await startTestServer();
    } finally {
      unsubscribe('fastify.initialization', onInit);
    }
    agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toBuffer();

    for (const name of ['acme', 'beta', 'gamma', 'doomed']) {
      const answer = await send('POST', '/api/tenants', { key: TEST_ADMIN_KEY, body: { name } });
      assert.equal(answer.status, 201, describeAnswer(answer));
    }
    keys.admin = TEST_ADMIN_KEY;
    ids.admin = 'admin';
    await createKey('expired', { tenant: 'acme', scopes: ['tenant:admin'], expiresAt: new Date(Date.now() + 2000).toISOString() });
    const expiresAt = Date.now() + 2000;
    await createKey('ta', { tenant: 'acme', scopes: ['tenant:admin'] });
    await createKey('write', { tenant: 'acme', scopes: ['models:write'] });
    await createKey('read', { tenant: 'acme', scopes: ['models:read'] });
    await createKey('infer', { tenant: 'acme', scopes: ['infer'] });
    await createKey('inferOther', { tenant: 'acme', scopes: ['infer'], models: ['other'] });
    await createKey('metrics', { tenant: 'acme', scopes: ['metrics:read'] });
    await createKey('revoked', { tenant: 'acme', scopes: ['tenant:admin'] });
    await createKey('sacrificeRevoke', { tenant: 'acme', scopes: ['infer'] });
    await createKey('sacrificeRotate', { tenant: 'acme', scopes: ['infer'] });
    await createKey('betaAdmin', { tenant: 'beta', scopes: ['tenant:admin'] });
    await createKey('gamma', { tenant: 'gamma', scopes: ['tenant:admin'] });
    assert.equal((await send('DELETE', `/api/keys/${ids.revoked}`, { key: TEST_ADMIN_KEY })).status, 200);

    await deployResnet(keys.ta, ACME_BYTES);
    await deployResnet(keys.betaAdmin, BETA_BYTES);
    for (const name of ['other', 'doomed-a', 'doomed-b']) {
      assert.equal((await send('POST', '/api/models', { key: keys.ta, body: { name } })).status, 201);
    }
    const wait = expiresAt + 100 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    assert.equal((await send('GET', '/api/models', { key: keys.expired })).status, 401, 'the expired key has expired');
  });

  after(async () => {
    agent?.destroy();
    await server?.close();
  });

  it('the route table covers every route Fastify registers, and nothing else', () => {
    assert.ok(registered.length > 50, `saw ${registered.length} registered routes`);
    const missing = registered
      .filter(({ method, url }) => !ROUTE_POLICIES.has(`${method === 'HEAD' ? 'GET' : method} ${url}`))
      .map(({ method, url }) => `${method} ${url}`);
    assert.deepEqual(missing, [], 'registered routes without a policy');
    const registeredKeys = new Set(registered.map(({ method, url }) => `${method} ${url}`));
    const stale = [...ROUTE_POLICIES.keys()].filter((key) => !registeredKeys.has(key));
    assert.deepEqual(stale, [], 'policies of routes that do not exist');
  });

  it('the route table covers every path of the OpenAPI document, with the scopes it lists', async () => {
    const answer = await send('GET', '/docs', { key: keys.read });
    assert.equal(answer.status, 200);
    const shape = (url: string): string => url.replace(/\{\w+\}|:\w+/g, '{}');
    const byShape = new Map([...ROUTE_POLICIES.entries()].map(([key, policy]) => [shape(key), policy]));
    const problems: string[] = [];
    for (const [path, methods] of Object.entries(answer.body.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        const policy = byShape.get(shape(`${method.toUpperCase()} ${path}`));
        if (policy === undefined) problems.push(`${method} ${path}: no policy`);
        else if (JSON.stringify(operation['x-scopes']) !== JSON.stringify(policy.access)) {
          problems.push(`${method} ${path}: x-scopes ${JSON.stringify(operation['x-scopes'])} ≠ policy ${JSON.stringify(policy.access)}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('an unknown path answers 401 without a key and 404 with one (the table cannot be probed)', async () => {
    for (const [method, path] of [['GET', '/api/nope'], ['DELETE', '/api/models/acme/resnet/bogus'], ['POST', '/v3/models/x/infer'], ['GET', '/v2/models/acme/resnet/versions/1/nope']]) {
      await expectCode(send(method, path), 401, 'UNAUTHENTICATED', `${method} ${path} without a key`);
      await expectCode(send(method, path, { key: keys.read }), 404, 'ROUTE_NOT_FOUND', `${method} ${path} with a key`);
    }
  });

  it('B01: every route refuses no key, malformed Authorization, query-string, bad, revoked and expired keys with 401', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    let reference: string | undefined;
    for (const route of ROUTES) {
      const path = fill(route.url, acmeValues());
      const isPublic = route.policy.access === 'public';
      for (const { kind, options } of UNAUTH_KINDS) {
        const { query, ...sendOptions } = options(route);
        const { body, headers } = bodyFor(route, 'refused');
        const answer = await send(route.method, query === undefined ? path : `${path}?${query}`, {
          ...sendOptions, body, headers: { ...(headers ?? {}), ...(sendOptions.headers ?? {}) },
        });
        const where = `${route.key} [${kind}]`;
        if (isPublic) {
          if (answer.status !== 200) failures.push(`${where}: public route → ${describeAnswer(answer)}`);
          continue;
        }
        if (answer.status !== 401 || answer.body?.code !== 'UNAUTHENTICATED') {
          failures.push(`${where} → ${describeAnswer(answer)}`);
          continue;
        }
        if (kind !== 'right key in the query string') {
          reference ??= answer.text;
          if (answer.text !== reference) failures.push(`${where}: 401 body differs: ${answer.text} vs ${reference}`);
        }
        if (isChange(route) && (await snapshot()) !== before) failures.push(`${where}: state changed after a refused call`);
      }
      if (route.method === 'GET' && !isPublic) {
        const head = await send('HEAD', path);
        if (head.status !== 401) failures.push(`HEAD ${route.url} without a key → ${head.status}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(await snapshot(), before);
  });

  it('B03: a key lacking the scope gets 403 on every route, and refused changes change nothing', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    let checked = 0;
    for (const route of ROUTES) {
      const path = fill(route.url, acmeValues());
      for (const role of lackingKeysOf(route)) {
        const { body, headers } = bodyFor(route, 'refused');
        const answer = await send(route.method, path, { key: keys[role], body, headers });
        checked += 1;
        const where = `${route.key} [acme ${role}]`;
        if (answer.status !== 403 || answer.body?.code !== 'FORBIDDEN') failures.push(`${where} → ${describeAnswer(answer)}`);
        else if (isChange(route) && (await snapshot()) !== before) failures.push(`${where}: state changed after a refused call`);
      }
    }
    assert.ok(checked > 150, `only ${checked} calls`);
    assert.deepEqual(failures, []);
  });

  it("B06: beta's key against acme's private objects gets 404 exactly like a missing name (403 where it lacks the scope)", async () => {
    const before = await snapshot();
    const failures: string[] = [];
    let compared = 0;
    for (const route of ROUTES) {
      if (route.policy.access === 'public') continue;
      const bareModelRoute = isModelRoute(route) && !isTenantForm(route);
      if (bareModelRoute) continue; // a bare name means beta's own model
      const values = acmeValues();
      const path = fill(route.url, values);
      const { body, headers } = bodyFor(route, 'beta');
      const answer = await send(route.method, path, { key: keys.betaAdmin, body, headers });
      const where = `${route.key} [beta tenant:admin]`;
      if (!holds(['tenant:admin'], route.policy.access)) {
        if (answer.status !== 403 || answer.body?.code !== 'FORBIDDEN') failures.push(`${where}: lacks the scope → ${describeAnswer(answer)}`);
      } else if (namesAcmeObject(route)) {
        if (answer.status !== 404) {
          failures.push(`${where}: acme's object → ${describeAnswer(answer)}`);
        } else {
          // The same route with the object replaced by one that does not exist, then the names put back.
          const missing: Array<[Record<string, string>, string, string]> = route.url.includes(':id')
            ? [[{ ...values, id: 'zzzzzzzzzzzz' }, 'zzzzzzzzzzzz', values.id]]
            : route.url === '/api/tenants/:tenant'
              ? [[{ ...values, tenant: 'nosuch-tenant' }, 'nosuch-tenant', 'acme']]
              : [
                [{ ...values, name: 'nosuch-model', second: 'nosuch-model' }, 'nosuch-model', 'resnet'],
                [{ ...values, tenant: 'nosuch-tenant', first: 'nosuch-tenant' }, 'nosuch-tenant', 'acme'],
              ];
          for (const [other, fake, real] of missing) {
            const twin = await send(route.method, fill(route.url, other), { key: keys.betaAdmin, body, headers });
            compared += 1;
            if (twin.status !== answer.status || twin.text.replaceAll(fake, real) !== answer.text || twin.headers['content-type'] !== answer.headers['content-type']) {
              failures.push(`${where}: not 404-same: ${describeAnswer(answer)} vs missing ${fake}: ${describeAnswer(twin)}`);
            }
          }
        }
      } else {
        const expected = route.key === 'POST /api/models' || route.key === 'POST /api/keys' ? [403] : route.key === 'POST /v2/repository/:repository/index' ? [501] : [200];
        if (!expected.includes(answer.status)) failures.push(`${where}: expected ${expected} → ${describeAnswer(answer)}`);
      }
      if (isChange(route) && answer.status >= 400 && (await snapshot()) !== before) failures.push(`${where}: state changed after a refused call`);
    }
    assert.ok(compared > 30, `only ${compared} 404 comparisons`);
    assert.deepEqual(failures, []);
    assert.equal(await snapshot(), before);
    // acme's key that beta tried to read, revoke and rotate still works.
    assert.equal((await send('GET', '/api/models/resnet', { key: keys.read })).status, 200);
  });

  it("list endpoints never include another tenant's private models, keys, tenants or audit records", async () => {
    const models = await send('GET', '/api/models', { key: keys.betaAdmin });
    assert.equal(models.status, 200);
    assert.deepEqual(models.body.items.map((m: any) => `${m.tenant}/${m.name}`), ['beta/resnet']);
    const index = await send('POST', '/v2/repository/index', { key: keys.betaAdmin, body: {} });
    assert.equal(index.status, 200);
    assert.deepEqual([...new Set(index.body.map((entry: any) => entry.name))], ['resnet']);
    const stats = await send('GET', '/v2/models/stats', { key: keys.betaAdmin });
    assert.equal(stats.status, 200);
    assert.ok(stats.body.model_stats.every((entry: any) => !String(entry.name).includes('acme')), stats.text);
    for (const [key, tenant] of [[keys.betaAdmin, 'beta'], [keys.ta, 'acme']] as const) {
      const keyList = await send('GET', '/api/keys', { key });
      assert.ok(keyList.body.items.length > 0);
      assert.ok(keyList.body.items.every((k: any) => k.tenant === tenant), keyList.text);
      const tenants = await send('GET', '/api/tenants', { key });
      assert.deepEqual(tenants.body.items.map((t: any) => t.name), [tenant]);
      const audit = await send('GET', '/api/audit?limit=1000', { key });
      assert.ok(audit.body.items.length > 0);
      assert.ok(audit.body.items.every((r: any) => r.tenant === tenant), `${tenant} sees other tenants' audit records`);
      const usage = await send('GET', '/api/usage?groupBy=tenant,model', { key });
      assert.equal(usage.status, 200, usage.text);
      assert.ok(usage.body.items.every((row: any) => row.tenant === undefined || row.tenant === tenant), usage.text);
      // Refused calls are metered without a model (""); no row may name another tenant's model.
      assert.ok(usage.body.items.every((row: any) => row.model === undefined || row.model === '' || String(row.model).startsWith(`${tenant}/`)), usage.text);
    }
    const acmeModels = await send('GET', '/api/models', { key: keys.read });
    assert.ok(acmeModels.body.items.every((m: any) => m.tenant === 'acme'), acmeModels.text);
    const acmeIndex = await send('POST', '/v2/repository/index', { key: keys.read, body: {} });
    assert.ok(acmeIndex.body.every((entry: any) => !String(entry.name).includes('/')), acmeIndex.text);
  });

  it('sharing: shared with beta → beta reads and infers but cannot change; public → anyone infers; private → 404 again', async () => {
    const infer = (key: string, path = '/v2/models/acme/resnet/infer') => send('POST', path, { key, body: INFER_BODY });
    const expected = await infer(keys.infer, '/v2/models/resnet/infer');
    assert.equal(expected.status, 200);

    const shared = await send('PATCH', '/api/models/resnet', { key: keys.write, body: { visibility: 'shared', sharedWith: ['beta'] } });
    assert.equal(shared.status, 200, describeAnswer(shared));
    assert.equal(shared.body.visibility, 'shared');
    const before = await snapshot();
    for (const path of ['/api/models/acme/resnet', '/api/models/acme/resnet/versions', '/api/models/acme/resnet/aliases', '/v2/models/acme/resnet', '/v2/models/acme/resnet/versions/1']) {
      assert.equal((await send('GET', path, { key: keys.betaAdmin })).status, 200, path);
    }
    const betaAnswer = await infer(keys.betaAdmin);
    assert.equal(betaAnswer.status, 200, describeAnswer(betaAnswer));
    assert.deepEqual(betaAnswer.body.outputs, expected.body.outputs);
    assert.equal((await send('POST', '/predictions/acme/resnet', { key: keys.betaAdmin, body: png, headers: { 'content-type': 'image/png' } })).status, 200);
    const refused: Array<[string, string, SendOptions]> = [
      ['PATCH', '/api/models/acme/resnet', { body: { description: 'beta was here', visibility: 'public' } }],
      ['DELETE', '/api/models/acme/resnet', {}],
      ['PUT', '/api/models/acme/resnet/aliases/production', { body: { version: 1 } }],
      ['PUT', '/api/models/acme/resnet/aliases/staging', { body: { version: 1 } }],
      ['DELETE', '/api/models/acme/resnet/aliases/production', {}],
      ['POST', '/api/models/acme/resnet/aliases/production/rollback', {}],
      ['POST', '/api/models/acme/resnet/versions', { body: Buffer.from(PUSH_BYTES) }],
      ['DELETE', '/api/models/acme/resnet/versions/1', {}],
      ['POST', '/v2/repository/models/acme/resnet/unload', {}],
      ['POST', '/v2/repository/models/acme/resnet/load', {}],
    ];
    for (const [method, path, options] of refused) {
      await expectCode(send(method, path, { key: keys.betaAdmin, ...options }), 403, 'FORBIDDEN', `beta ${method} ${path} on a shared model`);
      assert.equal(await snapshot(), before, `beta ${method} ${path} changed state`);
    }
    // Shared with beta only: gamma still sees nothing.
    await expectCode(infer(keys.gamma), 404, 'MODEL_NOT_FOUND', 'gamma on a model shared with beta');
    await expectCode(send('GET', '/api/models/acme/resnet', { key: keys.gamma }), 404, 'MODEL_NOT_FOUND');

    assert.equal((await send('PATCH', '/api/models/resnet', { key: keys.write, body: { visibility: 'public' } })).status, 200);
    for (const key of [keys.gamma, keys.betaAdmin]) {
      const answer = await infer(key);
      assert.equal(answer.status, 200, describeAnswer(answer));
      assert.deepEqual(answer.body.outputs, expected.body.outputs);
    }
    await expectCode(send('DELETE', '/api/models/acme/resnet', { key: keys.gamma }), 403, 'FORBIDDEN', 'gamma deletes a public model');
    await expectCode(send('PATCH', '/api/models/acme/resnet', { key: keys.gamma, body: { visibility: 'private' } }), 403, 'FORBIDDEN');

    const back = await send('PATCH', '/api/models/resnet', { key: keys.write, body: { visibility: 'private', sharedWith: [] } });
    assert.equal(back.status, 200, describeAnswer(back));
    for (const key of [keys.betaAdmin, keys.gamma]) {
      const gone = await expectCode(infer(key), 404, 'MODEL_NOT_FOUND', 'private again');
      const missing = await infer(key, '/v2/models/acme/nosuch-model/infer');
      assert.equal(missing.text.replaceAll('nosuch-model', 'resnet'), gone.text);
      await expectCode(send('GET', '/api/models/acme/resnet', { key }), 404, 'MODEL_NOT_FOUND');
    }
    assert.equal((await infer(keys.infer, '/v2/models/resnet/infer')).status, 200, 'the owner still infers');
  });

  it('B08: mass assignment of tenant, owner, status, hashes, paths or key ids is refused and changes nothing', async () => {
    const before = await snapshot();
    const smuggled: Array<Record<string, unknown>> = [
      { tenantId: 'beta' }, { tenant: 'beta' }, { ownerId: 'key:admin' }, { status: 'ACTIVE' }, { state: 'READY' },
      { sha256: 'a'.repeat(64) }, { storagePath: '/etc/passwd' }, { kekId: 'evil' }, { id: 'x' }, { secret_digest: '00' },
    ];
    for (const extra of smuggled) {
      for (const key of [keys.ta, TEST_ADMIN_KEY]) {
        const what = JSON.stringify(extra);
        await expectCode(send('POST', '/api/models', { key, body: { name: 'mass', ...extra } }), 400, 'INVALID_REQUEST', `create model ${what}`);
        await expectCode(send('PATCH', '/api/models/acme/resnet', { key, body: { description: 'mass', ...extra } }), 400, 'INVALID_REQUEST', `patch model ${what}`);
        await expectCode(send('PUT', '/api/models/acme/resnet/aliases/production', { key, body: { version: 1, ...extra } }), 400, 'INVALID_REQUEST', `alias ${what}`);
        await expectCode(send('POST', `/api/keys/${ids.read}/rotate`, { key, body: { overlapSeconds: 60, ...extra } }), 400, 'INVALID_REQUEST', `rotate ${what}`);
        if (!('tenant' in extra)) {
          await expectCode(send('POST', '/api/keys', { key, body: { name: 'mass', scopes: ['infer'], ...extra } }), 400, 'INVALID_REQUEST', `create key ${what}`);
        }
      }
      const what = JSON.stringify(extra);
      await expectCode(send('POST', '/api/tenants', { key: TEST_ADMIN_KEY, body: { name: 'mass', ...extra } }), 400, 'INVALID_REQUEST', `create tenant ${what}`);
      await expectCode(send('PATCH', '/api/tenants/acme', { key: TEST_ADMIN_KEY, body: { limits: {}, ...extra } }), 400, 'INVALID_REQUEST', `patch tenant ${what}`);
      assert.equal(await snapshot(), before, `state changed after ${what}`);
    }
    // A tenant admin cannot place a key or a model in another tenant through the fields it may send.
    await expectCode(send('POST', '/api/keys', { key: keys.ta, body: { name: 'mass', tenant: 'beta', scopes: ['infer'] } }), 403, 'FORBIDDEN');
    await expectCode(send('POST', '/api/models', { key: keys.ta, body: { name: 'beta/mass' } }), 403, 'FORBIDDEN');
    await expectCode(send('POST', '/api/keys', { key: keys.ta, body: { name: 'mass', scopes: ['admin'] } }), 403, 'FORBIDDEN');
    // A key may name another tenant's model in its list, but that cannot make beta's private model runnable.
    const limited = await send('POST', '/api/keys', { key: keys.ta, body: { name: 'mass', scopes: ['infer'], models: ['beta/resnet'] } });
    if (limited.status === 201) {
      await expectCode(send('POST', '/v2/models/beta/resnet/infer', { key: limited.body.key, body: INFER_BODY }), 404, 'MODEL_NOT_FOUND', "a key naming beta's model");
      assert.equal((await send('DELETE', `/api/keys/${limited.body.id}`, { key: keys.ta })).status, 200);
    } else {
      assert.equal(limited.status, 400, describeAnswer(limited));
    }
    for (const name of ['mass', 'beta/mass']) {
      await expectCode(send('GET', `/api/models/${name}`, { key: TEST_ADMIN_KEY }), 404, 'MODEL_NOT_FOUND', `${name} was created`);
    }
    await expectCode(send('GET', '/api/tenants/mass', { key: TEST_ADMIN_KEY }), 404, 'TENANT_NOT_FOUND');
  });

  it('the right key succeeds (or gets the domain answer) on every route, in both name forms', async () => {
    const failures: string[] = [];
    const restore = async (): Promise<void> => {
      const answer = await send('PUT', '/api/models/acme/resnet/aliases/production', { key: TEST_ADMIN_KEY, body: { version: 1 } });
      assert.equal(answer.status, 200, describeAnswer(answer));
    };
    // Changes that destroy their target run against acme objects made for the purpose.
    const targets: Record<string, Record<string, string>> = {
      'DELETE /api/models/:name': { name: 'doomed-a' },
      'DELETE /api/models/:tenant/:name': { tenant: 'acme', name: 'doomed-b' },
      'DELETE /api/tenants/:tenant': { tenant: 'doomed' },
      'DELETE /api/keys/:id': { id: ids.sacrificeRevoke },
      'POST /api/keys/:id/rotate': { id: ids.sacrificeRotate },
    };
    const ordered = [...ROUTES].sort((a, b) => Number(isChange(a)) - Number(isChange(b)));
    for (const route of ordered) {
      const holder = rightKeyOf(route);
      const path = fill(route.url, { ...acmeValues(), ...(targets[route.key] ?? {}) });
      const { body, headers } = bodyFor(route, 'right');
      const answer = await send(route.method, path, { key: holder === null ? null : keys[holder], body, headers });
      const expected = rightStatuses(route);
      if (!expected.includes(answer.status)) failures.push(`${route.key} [${holder ?? 'no key'}] → expected ${expected}: ${describeAnswer(answer)}`);
      if (answer.status === 409 && route.method === 'DELETE') assert.equal(answer.body.code, 'VERSION_IN_USE');
      if (route.url.includes('/aliases/')) await restore();
    }
    assert.deepEqual(failures, []);
    // The right key on acme's model really reached acme's model.
    const infer = await send('POST', '/v2/models/acme/resnet/infer', { key: keys.infer, body: INFER_BODY });
    assert.equal(infer.body.model_name, 'acme/resnet');
    assert.equal((await send('GET', '/api/keys', { key: keys.sacrificeRevoke })).status, 401, 'the revoked sacrificial key');
    await expectCode(send('GET', '/api/tenants/doomed', { key: TEST_ADMIN_KEY }), 404, 'TENANT_NOT_FOUND');
  });

  it('B07: the same model name in two tenants: independent bytes, outputs and deletion; no cross-tenant dedupe', async () => {
    const acme = await send('POST', '/v2/models/resnet/infer', { key: keys.infer, body: INFER_BODY });
    const beta = await send('POST', '/v2/models/resnet/infer', { key: keys.betaAdmin, body: INFER_BODY });
    assert.equal(acme.status, 200);
    assert.equal(beta.status, 200);
    assert.notDeepEqual(acme.body.outputs[0].data, beta.body.outputs[0].data, 'each tenant runs its own resnet');
    assert.deepEqual((await send('POST', '/v2/models/acme/resnet/infer', { key: TEST_ADMIN_KEY, body: INFER_BODY })).body.outputs, acme.body.outputs);
    assert.deepEqual((await send('POST', '/v2/models/beta/resnet/infer', { key: TEST_ADMIN_KEY, body: INFER_BODY })).body.outputs, beta.body.outputs);
    const acmeV1 = (await send('GET', '/api/models/resnet/versions/1', { key: keys.read })).body;
    const betaV1 = (await send('GET', '/api/models/resnet/versions/1', { key: keys.betaAdmin })).body;
    assert.notEqual(acmeV1.sha256, betaV1.sha256);

    // Identical bytes in both tenants are still two artifacts: deleting one tenant's copy leaves the other's.
    const same = buildSmallCnn({ size: IMAGE_SIZE, seed: 9 });
    await deployResnet(keys.ta, same, 'twin');
    await deployResnet(keys.betaAdmin, same, 'twin');
    const copies = (await artifactFiles()).filter((file) => file.bytes.equals(Buffer.from(same)));
    assert.equal(copies.length, 2, 'one stored copy per tenant (plain text store: no master key in this server)');

    assert.equal((await send('DELETE', '/api/models/resnet', { key: keys.betaAdmin })).status, 204);
    assert.equal((await send('DELETE', '/api/models/twin', { key: keys.betaAdmin })).status, 204);
    await expectCode(send('POST', '/v2/models/resnet/infer', { key: keys.betaAdmin, body: INFER_BODY }), 404, 'MODEL_NOT_FOUND');
    const still = await send('POST', '/v2/models/resnet/infer', { key: keys.infer, body: INFER_BODY });
    assert.equal(still.status, 200, describeAnswer(still));
    assert.deepEqual(still.body.outputs, acme.body.outputs);
    const twin = await send('POST', '/v2/models/twin/infer', { key: keys.infer, body: INFER_BODY });
    assert.equal(twin.status, 200, describeAnswer(twin));
    assert.equal((await artifactFiles()).filter((file) => file.bytes.equals(Buffer.from(same))).length, 1);
  });

  it('B08: no answer of this file carried a key digest, a storage path or the data folder', async () => {
    const db = new Database(join(server.dataDir, 'tessera.db'), { readonly: true, fileMustExist: true });
    let digests: string[];
    try {
      digests = db.prepare('SELECT secret_digest, previous_digest FROM api_keys').all()
        .flatMap((row: any) => [row.secret_digest, row.previous_digest])
        .filter((value: unknown): value is string => typeof value === 'string' && value.length >= 32);
    } finally {
      db.close();
    }
    assert.ok(digests.length >= 10, `read ${digests.length} digests`);
    const pepper = (await readFile(join(server.dataDir, 'key-pepper')));
    const needles = [
      '"secret_digest":', '"previous_digest":', '"secretDigest":', '"digest":', '/artifacts/', server.dataDir, ...digests,
      pepper.toString('hex'), pepper.toString('base64'),
      ...(await artifactFiles()).flatMap((file) => [relative(server.dataDir, file.path), basename(file.path, '.onnx')]),
    ];
    assert.ok(seen.length > 1000, `saw ${seen.length} answers`);
    const hits = needles.flatMap((needle) => seen.filter((text) => text.includes(needle)).map((text) => `${needle.slice(0, 20)}… in ${text.slice(0, 120)}`));
    assert.deepEqual(hits.slice(0, 10), []);
  });
});

async function artifactFiles(): Promise<Array<{ path: string; bytes: Buffer }>> {
  const root = join(server.dataDir, 'artifacts');
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out.push({ path, bytes: await readFile(path) });
  }
  return out;
}
