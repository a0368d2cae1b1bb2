/**
 * API keys and tenants (security/): key format and checksum, HMAC digests with a pepper outside the database,
 * authentication (revoked, expired, deleted tenant, rotation overlap), strict creation bodies, the bootstrap admin
 * key (generated, configured, revoked, kept from an earlier release), and that no secret ever reaches the database.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { REGISTRY_MIGRATIONS, openDatabase, runMigrations, type SqlDatabase } from '../src/db/index.js';
import {
  KeyStore, TenantStore, canInvoke, ensureAdminKey, formatApiKey, hasScope, loadOrCreatePepper, parseApiKey,
  parseCreateKey, parseLimits, type Principal,
} from '../src/security/index.js';

const KEY_FORMAT = /^tsk_[a-z0-9]{12}_[A-Za-z0-9]{49}$/;

/** Asserts that `fn` throws a ServingError-like object with `code`. */
function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    if (message) assert.match(error.message ?? '', message);
    return true;
  });
}

/** A clock the test moves by hand. */
class FakeClock {
  ms = Date.parse('2030-01-01T00:00:00.000Z');
  readonly now = (): Date => new Date(this.ms);
  advance(seconds: number): void { this.ms += seconds * 1000; }
}

/** Changes one character of the secret part and recomputes the checksum: well-formed, wrong secret. */
function wrongSecret(key: string): string {
  const parsed = parseApiKey(key);
  assert.ok(parsed);
  const flipped = (parsed.secret[0] === 'A' ? 'B' : 'A') + parsed.secret.slice(1);
  return formatApiKey(parsed.id, flipped);
}

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'tessera-keys-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

interface Fixture {
  dataDir: string;
  db: SqlDatabase;
  clock: FakeClock;
  keys: KeyStore;
  tenants: TenantStore;
}

let counter = 0;
async function fixture(): Promise<Fixture> {
  const dataDir = await mkdtemp(join(dir, `data-${counter++}-`));
  const db = openDatabase(join(dataDir, 'tessera.db'));
  runMigrations(db, REGISTRY_MIGRATIONS);
  const clock = new FakeClock();
  const keys = new KeyStore({ db, pepper: await loadOrCreatePepper(dataDir), now: clock.now });
  const tenants = new TenantStore(db, { now: clock.now, onDelete: () => keys.invalidate() });
  return { dataDir, db, clock, keys, tenants };
}

describe('tenants', () => {
  let f: Fixture;
  beforeEach(async () => { f = await fixture(); });

  it('creates, lists, limits and soft-deletes tenants; default stays', () => {
    assert.deepEqual(f.tenants.list().map((t) => t.name), ['default']);
    const acme = f.tenants.create('acme', { requestsPerSecond: 5, burst: 10 });
    assert.deepEqual(acme.limits, { requestsPerSecond: 5, burst: 10 });
    throwsCode(() => f.tenants.create('acme'), 'TENANT_EXISTS');
    throwsCode(() => f.tenants.create('Bad Name'), 'INVALID_TENANT_NAME');
    throwsCode(() => f.tenants.create('models'), 'INVALID_TENANT_NAME');
    assert.deepEqual(f.tenants.setLimits('acme', { concurrent: 2 }).limits, { concurrent: 2 });
    assert.deepEqual(f.tenants.require('acme').limits, { concurrent: 2 });
    f.tenants.delete('acme');
    assert.equal(f.tenants.get('acme'), undefined);
    assert.equal(f.tenants.isActive('acme'), false);
    throwsCode(() => f.tenants.require('acme'), 'TENANT_NOT_FOUND');
    throwsCode(() => f.tenants.delete('acme'), 'TENANT_NOT_FOUND');
    throwsCode(() => f.tenants.create('acme'), 'TENANT_EXISTS', /not reused/);
    throwsCode(() => f.tenants.delete('default'), 'INVALID_REQUEST');
    assert.deepEqual(f.tenants.list().map((t) => t.name), ['default']);
  });

  it('parses limits strictly', () => {
    assert.deepEqual(parseLimits({}), {});
    assert.deepEqual(parseLimits({ requestsPerSecond: 0.5, monthlyComputeMs: 1e6 }), { requestsPerSecond: 0.5, monthlyComputeMs: 1e6 });
    throwsCode(() => parseLimits({ rps: 1 }), 'INVALID_REQUEST', /"rps"/);
    throwsCode(() => parseLimits(JSON.parse('{"__proto__": {"burst": 1}}')), 'INVALID_REQUEST', /__proto__/);
    throwsCode(() => parseLimits(Object.create({ burst: 1 }) as unknown), 'INVALID_REQUEST');
    throwsCode(() => parseLimits([]), 'INVALID_REQUEST');
    throwsCode(() => parseLimits(null), 'INVALID_REQUEST');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', 1.5, 1e9]) {
      throwsCode(() => parseLimits({ burst: bad }), 'INVALID_REQUEST', /limits\.burst/);
    }
    throwsCode(() => parseLimits({ requestsPerSecond: 1e7 }), 'INVALID_REQUEST', /requestsPerSecond/);
  });
});

describe('api keys', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture();
    f.tenants.create('acme');
  });

  it('creates a key that authenticates with its tenant, scopes, models and limits', () => {
    const created = f.keys.create({ name: 'ci', tenant: 'acme', scopes: ['infer', 'models:read'], models: ['iris', 'shared/bert'], limits: { concurrent: 3 } }, 'key:admin');
    assert.match(created.key, KEY_FORMAT);
    assert.ok(created.key.startsWith(`tsk_${created.id}_`));
    assert.equal(created.tenant, 'acme');
    assert.deepEqual(created.models, ['acme/iris', 'shared/bert']);
    assert.equal(created.createdBy, 'key:admin');
    const principal = f.keys.authenticate(created.key);
    assert.ok(principal);
    assert.equal(principal.keyId, created.id);
    assert.equal(principal.tenant, 'acme');
    assert.deepEqual([...principal.scopes].sort(), ['infer', 'models:read']);
    assert.deepEqual([...(principal.models ?? [])], ['acme/iris', 'shared/bert']);
    assert.deepEqual(principal.limits, { concurrent: 3 });
    assert.equal(canInvoke(principal, 'acme/iris'), true);
    assert.equal(canInvoke(principal, 'acme/other'), false);
    assert.equal(hasScope(principal, 'models:write'), false);
  });

  it('lists keys without secrets or digests', () => {
    const a = f.keys.create({ name: 'a', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    const b = f.keys.create({ name: 'b', tenant: 'default', scopes: ['models:write'] }, 'key:admin');
    f.keys.rotate(a.id, 60);
    const listed = f.keys.list();
    assert.deepEqual(listed.map((k) => k.id).sort(), [a.id, b.id].sort());
    assert.deepEqual(f.keys.list('acme').map((k) => k.id), [a.id]);
    const digests = f.db.prepare<{ secret_digest: string; previous_digest: string | null }>('SELECT secret_digest, previous_digest FROM api_keys').all();
    const text = JSON.stringify([listed, f.keys.get(a.id), f.keys.list('acme')]);
    for (const key of [a.key, b.key]) {
      assert.equal(text.includes(key), false);
      assert.equal(text.includes(parseApiKey(key)!.secret), false);
    }
    for (const row of digests) {
      assert.equal(text.includes(row.secret_digest), false);
      if (row.previous_digest !== null) assert.equal(text.includes(row.previous_digest), false);
    }
    assert.doesNotMatch(text, /digest|"key"|secret"/i);
    assert.ok(f.keys.get(a.id)?.previousSecretExpiresAt);
  });

  it('refuses wrong secrets, bad checksums, unknown ids, malformed keys, revoked, expired and deleted-tenant keys', () => {
    const good = f.keys.create({ name: 'ok', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    assert.ok(f.keys.authenticate(good.key));
    assert.equal(f.keys.authenticate(wrongSecret(good.key)), undefined, 'wrong secret');
    const last = good.key.at(-1) === 'a' ? 'b' : 'a';
    assert.equal(f.keys.authenticate(good.key.slice(0, -1) + last), undefined, 'bad checksum');
    assert.equal(f.keys.authenticate(formatApiKey('zzzzzzzzzzzz', parseApiKey(good.key)!.secret)), undefined, 'unknown id');
    for (const bad of [undefined, '', 'Bearer x', good.key.slice(0, -2), `${good.key}x`, 'x'.repeat(600), good.key.toUpperCase()]) {
      assert.equal(f.keys.authenticate(bad), undefined, `malformed ${String(bad).slice(0, 20)}`);
    }

    const revoked = f.keys.create({ name: 'r', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    assert.ok(f.keys.authenticate(revoked.key));
    const info = f.keys.revoke(revoked.id);
    assert.ok(info.revokedAt);
    assert.equal(f.keys.authenticate(revoked.key), undefined, 'revoked: refused on the very next request');
    assert.equal(f.keys.revoke(revoked.id).revokedAt, info.revokedAt, 'idempotent');
    throwsCode(() => f.keys.revoke('nosuchkey000'), 'KEY_NOT_FOUND');

    const expiring = f.keys.create({ name: 'e', tenant: 'acme', scopes: ['infer'], expiresAt: new Date(f.clock.ms + 3600_000).toISOString() }, 'key:admin');
    assert.ok(f.keys.authenticate(expiring.key));
    f.clock.advance(3601);
    assert.equal(f.keys.authenticate(expiring.key), undefined, 'expired');
    assert.ok(f.keys.authenticate(good.key));

    f.tenants.create('doomed');
    const doomed = f.keys.create({ name: 'd', tenant: 'doomed', scopes: ['infer'] }, 'key:admin');
    assert.ok(f.keys.authenticate(doomed.key));
    f.tenants.delete('doomed');
    assert.equal(f.keys.authenticate(doomed.key), undefined, 'deleted tenant');
    throwsCode(() => f.keys.create({ name: 'late', tenant: 'doomed', scopes: ['infer'] }, 'key:admin'), 'TENANT_NOT_FOUND');
    throwsCode(() => f.keys.create({ name: 'none', tenant: 'nosuch', scopes: ['infer'] }, 'key:admin'), 'TENANT_NOT_FOUND');
  });

  it('rotates with an overlap: both secrets work until it ends, then only the new one', () => {
    const first = f.keys.create({ name: 'rot', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    const second = f.keys.rotate(first.id, 300);
    assert.equal(second.id, first.id);
    assert.notEqual(second.key, first.key);
    assert.equal(second.previousSecretExpiresAt, new Date(f.clock.ms + 300_000).toISOString());
    assert.ok(f.keys.authenticate(first.key), 'old secret during the overlap');
    assert.ok(f.keys.authenticate(second.key));
    f.clock.advance(299);
    assert.ok(f.keys.authenticate(first.key));
    f.clock.advance(2);
    assert.equal(f.keys.authenticate(first.key), undefined, 'old secret after the overlap');
    assert.ok(f.keys.authenticate(second.key));
    assert.equal(f.keys.get(first.id)?.previousSecretExpiresAt, null);
  });

  it('rotates with no overlap: the old secret is refused at once', () => {
    const first = f.keys.create({ name: 'rot0', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    assert.ok(f.keys.authenticate(first.key));
    const second = f.keys.rotate(first.id, 0);
    assert.equal(f.keys.authenticate(first.key), undefined);
    assert.ok(f.keys.authenticate(second.key));
    // A second rotation drops the secret kept by the first one.
    const third = f.keys.rotate(first.id, 60);
    const fourth = f.keys.rotate(first.id, 60);
    assert.equal(f.keys.authenticate(second.key), undefined);
    assert.ok(f.keys.authenticate(third.key));
    assert.ok(f.keys.authenticate(fourth.key));
    throwsCode(() => f.keys.rotate(first.id, -1), 'INVALID_REQUEST');
    throwsCode(() => f.keys.rotate(first.id, 7 * 24 * 3600 + 1), 'INVALID_REQUEST');
    throwsCode(() => f.keys.rotate('nosuchkey000', 0), 'KEY_NOT_FOUND');
    f.keys.revoke(first.id);
    throwsCode(() => f.keys.rotate(first.id, 0), 'INVALID_REQUEST', /revoked/);
  });

  it('writes last_used_at at most once a minute per key', () => {
    const key = f.keys.create({ name: 'lu', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    const lastUsed = (): string | null | undefined => f.keys.get(key.id)?.lastUsedAt;
    assert.equal(lastUsed(), null);
    const t0 = f.clock.now().toISOString();
    assert.ok(f.keys.authenticate(key.key));
    assert.equal(lastUsed(), t0);
    f.clock.advance(30);
    assert.ok(f.keys.authenticate(key.key));
    assert.equal(lastUsed(), t0, 'not rewritten within the minute');
    f.clock.advance(31);
    assert.ok(f.keys.authenticate(key.key));
    assert.equal(lastUsed(), f.clock.now().toISOString());
  });

  it('derives scopes: admin implies all, tenant:admin the tenant scopes, models:write implies models:read', () => {
    const principal = (...scopes: Principal['scopes'] extends ReadonlySet<infer S> ? S[] : never): Principal =>
      ({ keyId: 'x', tenant: 'acme', scopes: new Set(scopes), models: null, limits: {} });
    const admin = principal('admin');
    for (const scope of ['admin', 'tenant:admin', 'models:write', 'models:read', 'infer', 'metrics:read'] as const) assert.equal(hasScope(admin, scope), true);
    const tenantAdmin = principal('tenant:admin');
    assert.equal(hasScope(tenantAdmin, 'admin'), false);
    for (const scope of ['models:write', 'models:read', 'infer'] as const) assert.equal(hasScope(tenantAdmin, scope), true);
    assert.equal(hasScope(tenantAdmin, 'metrics:read'), false, '/metrics is server-wide: a tenant admin does not get it');
    assert.equal(hasScope(principal('models:write'), 'models:read'), true);
    assert.equal(hasScope(principal('models:read'), 'models:write'), false);
    assert.equal(hasScope(principal('models:read'), 'infer'), false);
    assert.equal(canInvoke(principal('models:read'), 'acme/iris'), false);
    assert.equal(canInvoke(tenantAdmin, 'acme/iris'), true);
  });

  it('refuses the admin scope outside the default tenant', () => {
    throwsCode(() => f.keys.create({ name: 'x', tenant: 'acme', scopes: ['admin'] }, 'key:admin'), 'INVALID_REQUEST', /server-wide/);
    assert.ok(f.keys.create({ name: 'x', tenant: 'default', scopes: ['admin'] }, 'key:admin'));
  });

  it('compares an unknown id on the same HMAC + constant-time path as a known one', () => {
    const known = f.keys.create({ name: 'k', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    const calls: string[] = [];
    const expected: (Buffer | null)[] = [];
    const digest = f.keys.hasher.digest.bind(f.keys.hasher);
    const matches = f.keys.hasher.matches.bind(f.keys.hasher);
    f.keys.hasher.digest = (secret: string): Buffer => { calls.push('digest'); return digest(secret); };
    f.keys.hasher.matches = (d: Buffer, e: Buffer | null): boolean => { calls.push('matches'); expected.push(e); return matches(d, e); };

    const trace = (key: string): { calls: string[]; expected: (Buffer | null)[] } => {
      calls.length = 0;
      expected.length = 0;
      assert.equal(f.keys.authenticate(key), undefined);
      return { calls: [...calls], expected: [...expected] };
    };
    const wrong = trace(wrongSecret(known.key));
    const unknown = trace(formatApiKey('qqqqqqqqqqqq', parseApiKey(known.key)!.secret));
    assert.deepEqual(wrong.calls, ['digest', 'matches', 'matches']);
    assert.deepEqual(unknown.calls, wrong.calls, 'same HMAC and comparisons for an unknown id');
    assert.ok(wrong.expected[0] instanceof Buffer && wrong.expected[0].length === 32, 'compared with the stored digest');
    assert.equal(unknown.expected[0], null, 'compared with the dummy digest');
    f.keys.revoke(known.id);
    assert.deepEqual(trace(known.key).calls, wrong.calls, 'revoked keys take the same path');
    const bad = trace(known.key.slice(0, -1) + (known.key.at(-1) === 'a' ? 'b' : 'a'));
    assert.deepEqual(bad.calls, [], 'a bad checksum is refused before any digest');
  });
});

describe('parseCreateKey', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const base = { name: 'ci', tenant: 'acme', scopes: ['infer'] };

  it('normalises a valid body', () => {
    assert.deepEqual(parseCreateKey({ ...base, models: ['iris', 'other/bert'], expiresAt: '2031-01-01T01:00:00+01:00', limits: { burst: 2 } }, now), {
      name: 'ci', tenant: 'acme', scopes: ['infer'], models: ['acme/iris', 'other/bert'], expiresAt: '2031-01-01T00:00:00.000Z', limits: { burst: 2 },
    });
    assert.deepEqual(parseCreateKey(base, now), { name: 'ci', tenant: 'acme', scopes: ['infer'], models: null, expiresAt: null, limits: {} });
  });

  it('refuses unknown fields, bad scopes, past expiry, bad limits, __proto__ and bad model names', () => {
    throwsCode(() => parseCreateKey({ ...base, tenantId: 'x' }, now), 'INVALID_REQUEST', /tenantId/);
    throwsCode(() => parseCreateKey({ ...base, scopes: ['root'] }, now), 'INVALID_REQUEST', /root/);
    throwsCode(() => parseCreateKey({ ...base, scopes: ['infer', 'infer'] }, now), 'INVALID_REQUEST', /twice/);
    throwsCode(() => parseCreateKey({ ...base, scopes: [] }, now), 'INVALID_REQUEST');
    throwsCode(() => parseCreateKey({ ...base, scopes: 'infer' }, now), 'INVALID_REQUEST');
    throwsCode(() => parseCreateKey({ ...base, expiresAt: '2029-12-31T23:59:59Z' }, now), 'INVALID_REQUEST', /future/);
    throwsCode(() => parseCreateKey({ ...base, expiresAt: 'tomorrow' }, now), 'INVALID_REQUEST', /ISO-8601/);
    throwsCode(() => parseCreateKey({ ...base, expiresAt: '2031-02-30T00:00:00Z' }, now), 'INVALID_REQUEST', /ISO-8601/);
    throwsCode(() => parseCreateKey({ ...base, limits: { burst: -1 } }, now), 'INVALID_REQUEST', /limits\.burst/);
    throwsCode(() => parseCreateKey({ ...base, limits: { unknown: 1 } }, now), 'INVALID_REQUEST', /unknown/);
    throwsCode(() => parseCreateKey(JSON.parse('{"name":"ci","tenant":"acme","scopes":["infer"],"__proto__":{"admin":true}}'), now), 'INVALID_REQUEST', /__proto__/);
    throwsCode(() => parseCreateKey({ ...base, models: ['..'] }, now), 'INVALID_MODEL_NAME');
    throwsCode(() => parseCreateKey({ ...base, models: ['../etc'] }, now), 'INVALID_TENANT_NAME');
    throwsCode(() => parseCreateKey({ ...base, models: ['acme/..'] }, now), 'INVALID_MODEL_NAME');
    throwsCode(() => parseCreateKey({ ...base, models: ['iris', 'acme/iris'] }, now), 'INVALID_REQUEST', /twice/);
    throwsCode(() => parseCreateKey({ ...base, models: [] }, now), 'INVALID_REQUEST');
    throwsCode(() => parseCreateKey({ ...base, models: Array.from({ length: 101 }, (_, i) => `m${i}`) }, now), 'INVALID_REQUEST');
    throwsCode(() => parseCreateKey({ ...base, name: '' }, now), 'INVALID_REQUEST', /name/);
    throwsCode(() => parseCreateKey({ ...base, name: 'x'.repeat(65) }, now), 'INVALID_REQUEST', /name/);
    throwsCode(() => parseCreateKey({ ...base, name: 'a\nb' }, now), 'INVALID_REQUEST', /name/);
    throwsCode(() => parseCreateKey({ name: 'ci', scopes: ['infer'] }, now), 'INVALID_REQUEST', /tenant/);
    throwsCode(() => parseCreateKey({ ...base, tenant: 'Bad' }, now), 'INVALID_TENANT_NAME');
    throwsCode(() => parseCreateKey([], now), 'INVALID_REQUEST');
    throwsCode(() => parseCreateKey('x', now), 'INVALID_REQUEST');
  });
});

describe('bootstrap admin key', () => {
  const isAdminPrincipal = (principal: Principal | undefined): boolean =>
    principal !== undefined && principal.keyId === 'admin' && principal.tenant === 'default' && principal.scopes.has('admin');

  it('generates tsk_admin_… once, 0600, and stores only its digest', async () => {
    const f = await fixture();
    const outcome = await ensureAdminKey(f.db, f.dataDir, undefined, f.keys);
    assert.equal(outcome.source, 'generated');
    assert.ok(outcome.generatedKey);
    assert.match(outcome.generatedKey, /^tsk_admin_[A-Za-z0-9]{49}$/);
    assert.ok(parseApiKey(outcome.generatedKey));
    assert.equal(outcome.keyFile, join(f.dataDir, 'admin.key'));
    assert.equal((await readFile(outcome.keyFile, 'utf8')).trim(), outcome.generatedKey);
    assert.equal((await stat(outcome.keyFile)).mode & 0o777, 0o600);
    assert.equal((await stat(join(f.dataDir, 'key-pepper'))).mode & 0o777, 0o600);
    assert.ok(isAdminPrincipal(f.keys.authenticate(outcome.generatedKey)));
    const row = f.keys.get('admin');
    assert.deepEqual([row?.name, row?.tenant, row?.scopes, row?.createdBy], ['bootstrap admin', 'default', ['admin'], 'bootstrap']);

    const again = await ensureAdminKey(f.db, f.dataDir, undefined, f.keys);
    assert.equal(again.generatedKey, undefined, 'generated only on the first start');
    assert.ok(isAdminPrincipal(f.keys.authenticate(outcome.generatedKey)));

    // A restart with a new KeyStore over the same pepper file still accepts it.
    const restarted = new KeyStore({ db: f.db, pepper: await loadOrCreatePepper(f.dataDir), now: f.clock.now });
    await ensureAdminKey(f.db, f.dataDir, undefined, restarted);
    assert.ok(isAdminPrincipal(restarted.authenticate(outcome.generatedKey)));
    // Another pepper: no key matches any more (the pepper is part of the digest).
    const otherPepper = new KeyStore({ db: f.db, pepper: Buffer.alloc(32, 1), now: f.clock.now });
    assert.equal(otherPepper.authenticate(outcome.generatedKey), undefined);

    // Rotation of the generated admin key works like any key.
    const rotated = f.keys.rotate('admin', 0);
    assert.match(rotated.key, /^tsk_admin_/);
    assert.ok(isAdminPrincipal(f.keys.authenticate(rotated.key)));
    assert.equal(f.keys.authenticate(outcome.generatedKey), undefined);
  });

  it('accepts a configured key kept in memory only, and refuses the generated one meanwhile', async () => {
    const f = await fixture();
    const generated = (await ensureAdminKey(f.db, f.dataDir, undefined, f.keys)).generatedKey!;
    const configured = 'my configured admin secret 123';
    const outcome = await ensureAdminKey(f.db, f.dataDir, configured, f.keys);
    assert.equal(outcome.source, 'configured');
    assert.equal(outcome.generatedKey, undefined);
    assert.ok(isAdminPrincipal(f.keys.authenticate(configured)));
    assert.equal(f.keys.authenticate(generated), undefined, 'the configured key is the one in force');
    assert.equal(f.keys.authenticate(`${configured}x`), undefined);
    throwsCode(() => f.keys.rotate('admin', 0), 'INVALID_REQUEST', /configured/);
    await assert.rejects(ensureAdminKey(f.db, f.dataDir, 'short', f.keys), (error: { code?: string }) => error.code === 'INVALID_REQUEST');

    // On a fresh database the row holds a placeholder, never the configured key's digest.
    const g = await fixture();
    await ensureAdminKey(g.db, g.dataDir, configured, g.keys);
    const row = g.db.prepare<{ secret_digest: string }>('SELECT secret_digest FROM api_keys WHERE id = ?').get('admin');
    assert.ok(row);
    assert.doesNotMatch(row.secret_digest, /^[0-9a-f]{64}$/);
    assert.equal(row.secret_digest.includes(g.keys.digestOfKey(configured)), false);
    assert.ok(isAdminPrincipal(g.keys.authenticate(configured)));
    // A configured key in the tsk_admin_ format works too.
    const formatted = formatApiKey('admin', 'C'.repeat(43));
    await ensureAdminKey(g.db, g.dataDir, formatted, g.keys);
    assert.ok(isAdminPrincipal(g.keys.authenticate(formatted)));
    assert.equal(g.keys.authenticate(configured), undefined);
  });

  it('refuses the admin key once the admin row is revoked', async () => {
    const f = await fixture();
    const generated = (await ensureAdminKey(f.db, f.dataDir, undefined, f.keys)).generatedKey!;
    f.keys.revoke('admin');
    assert.equal(f.keys.authenticate(generated), undefined);
    await ensureAdminKey(f.db, f.dataDir, undefined, f.keys);
    assert.equal(f.keys.authenticate(generated), undefined, 'a restart does not bring it back');
    const configured = 'configured-admin-key-0123456789';
    await ensureAdminKey(f.db, f.dataDir, configured, f.keys);
    assert.equal(f.keys.authenticate(configured), undefined, 'nor does configuring a key');
  });

  it('keeps accepting the admin key of an earlier release (admin_key_sha256)', async () => {
    const legacyKey = `tsk_admin_${'aB3-_'.repeat(6)}xy`;
    assert.equal(legacyKey.length, 42);
    const storeLegacy = (db: SqlDatabase): void => {
      db.prepare('INSERT INTO server_settings (name, value, updated_at) VALUES (?, ?, ?)')
        .run('admin_key_sha256', createHash('sha256').update(legacyKey).digest('hex'), '2024-01-01T00:00:00.000Z');
    };

    // The file is still there: adopted, its HMAC stored in the admin row.
    const f = await fixture();
    storeLegacy(f.db);
    await writeFile(join(f.dataDir, 'admin.key'), `${legacyKey}\n`, { mode: 0o600 });
    const adopted = await ensureAdminKey(f.db, f.dataDir, undefined, f.keys);
    assert.equal(adopted.source, 'generated');
    assert.equal(adopted.generatedKey, undefined);
    assert.equal((await readFile(join(f.dataDir, 'admin.key'), 'utf8')).trim(), legacyKey, 'the file is left alone');
    assert.ok(isAdminPrincipal(f.keys.authenticate(legacyKey)));
    const row = f.db.prepare<{ secret_digest: string }>('SELECT secret_digest FROM api_keys WHERE id = ?').get('admin');
    assert.equal(row?.secret_digest, f.keys.digestOfKey(legacyKey));
    assert.equal(f.keys.authenticate(`tsk_admin_${'z'.repeat(32)}`), undefined);

    // The file is gone: verified against the stored SHA-256.
    const g = await fixture();
    storeLegacy(g.db);
    await ensureAdminKey(g.db, g.dataDir, undefined, g.keys);
    assert.ok(isAdminPrincipal(g.keys.authenticate(legacyKey)));
    assert.equal(g.keys.authenticate(`tsk_admin_${'z'.repeat(32)}`), undefined);
    throwsCode(() => g.keys.rotate('admin', 0), 'INVALID_REQUEST');
    g.keys.revoke('admin');
    assert.equal(g.keys.authenticate(legacyKey), undefined, 'revoking the row refuses the legacy key too');
  });
});

describe('no secret in the database', () => {
  it('never writes a key, a secret or the configured admin key to the SQLite files', async () => {
    const f = await fixture();
    const issued: string[] = [];
    issued.push((await ensureAdminKey(f.db, f.dataDir, undefined, f.keys)).generatedKey!);
    f.tenants.create('acme');
    const a = f.keys.create({ name: 'a', tenant: 'acme', scopes: ['infer'] }, 'key:admin');
    issued.push(a.key, f.keys.rotate(a.id, 600).key);
    issued.push(f.keys.create({ name: 'b', tenant: 'default', scopes: ['admin'] }, 'key:admin').key);
    for (const key of issued) assert.ok(f.keys.authenticate(key));
    const configured = 'configured admin key that must stay in memory';
    await ensureAdminKey(f.db, f.dataDir, configured, f.keys);
    assert.ok(f.keys.authenticate(configured));

    const secrets = [...issued, ...issued.map((key) => parseApiKey(key)!.secret), configured];
    const files = async (): Promise<Buffer[]> => Promise.all(['tessera.db', 'tessera.db-wal'].map((name) =>
      readFile(join(f.dataDir, name)).catch(() => Buffer.alloc(0))));
    const before = await files();
    f.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    const afterCheckpoint = await files();
    for (const bytes of [...before, ...afterCheckpoint]) {
      for (const secret of secrets) assert.equal(bytes.includes(secret), false, `found ${secret.slice(0, 12)}… in the database`);
    }
    assert.ok(before[0]!.length + before[1]!.length > 0);
  });
});
