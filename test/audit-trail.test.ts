/**
 * The audit trail over real HTTP (security.md §4.10, B44): one hash-chained record per mutating call (refused ones
 * included) naming the key, tenant, action, target, outcome and request id; paging; tenant scoping; append-only
 * triggers; tamper evidence once the triggers are gone; and no record forgery through CR/LF in user input.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type SqlDatabase } from '../src/db/index.js';
import { verifyAuditChain, type AuditRecord } from '../src/protocol/index.js';
import { buildMlp, startTestServer, TEST_ADMIN_KEY, type TestServer } from '../src/testing/index.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
/** Characters no audit field may hold: C0/C1 controls, DEL, Unicode line and paragraph separators. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

let dataDir: string;
let server: TestServer;

interface Actor { key: string; id: string; tenant: string }
const ADMIN: Actor = { key: TEST_ADMIN_KEY, id: 'admin', tenant: 'default' };

/** A mutating call and the audit record it must produce. */
interface Tracked {
  label: string;
  requestId: string;
  status: number;
  actor: string;
  tenant: string;
  action: string;
  outcome: 'ok' | 'refused';
  /** Text the record's target must contain. */
  target?: string;
}

const tracked: Tracked[] = [];
/** Request ids of calls that change nothing (reads, inference): no record may carry them. */
const unaudited: string[] = [];

interface CallOptions {
  body?: unknown;
  bytes?: Uint8Array;
  headers?: Record<string, string>;
}

async function send(actor: Actor | string, method: string, path: string, options: CallOptions = {}): Promise<{ status: number; body: any; requestId: string }> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined;
  if (options.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = Buffer.from(options.bytes);
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await server.call(path, { method, headers, body, key: typeof actor === 'string' ? actor : actor.key });
  const text = await response.text();
  const requestId = response.headers.get('x-request-id') ?? '';
  assert.ok(requestId.length > 0, `${method} ${path} answered without x-request-id`);
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), requestId };
}

/** A call to a route that changes something: remembered with the record it must produce. */
async function mutate(label: string, actor: Actor, method: string, path: string, expectStatus: number | null, expected: { action: string; target?: string; tenant?: string }, options: CallOptions = {}): Promise<any> {
  const answer = await send(actor, method, path, options);
  if (expectStatus !== null) assert.equal(answer.status, expectStatus, `${label}: ${JSON.stringify(answer.body)}`);
  tracked.push({
    label, requestId: answer.requestId, status: answer.status, actor: `key:${actor.id}`, tenant: expected.tenant ?? actor.tenant, action: expected.action,
    outcome: answer.status < 400 ? 'ok' : 'refused', target: expected.target,
  });
  return answer.body;
}

async function read(actor: Actor, path: string, options: CallOptions & { method?: string } = {}): Promise<any> {
  const answer = await send(actor, options.method ?? 'GET', path, options);
  assert.ok(answer.status < 400, `${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  unaudited.push(answer.requestId);
  return answer.body;
}

/** Every record the key may see, read in pages of `pageSize` with afterSeq. */
async function allRecords(actor: Actor, pageSize: number, query = ''): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (let afterSeq = 0; ;) {
    const answer = await send(actor, 'GET', `/api/audit?afterSeq=${afterSeq}&limit=${pageSize}${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const page: AuditRecord[] = answer.body.items;
    assert.ok(page.length <= pageSize);
    if (page.length === 0) return records;
    records.push(...page);
    afterSeq = page[page.length - 1].seq;
  }
}

interface AuditRow {
  seq: number; at: string; tenant: string; actor: string; action: string; target: string; outcome: string;
  request_id: string; details_json: string; prev_hash: string; hash: string;
}

/** The audit log as an attacker with the database file reads it. */
function recordsIn(db: SqlDatabase): AuditRecord[] {
  return db.prepare<AuditRow>('SELECT * FROM audit_log ORDER BY seq').all().map((row) => ({
    seq: row.seq, at: row.at, tenant: row.tenant, actor: row.actor, action: row.action, target: row.target,
    outcome: row.outcome as AuditRecord['outcome'], requestId: row.request_id, details: JSON.parse(row.details_json) as Record<string, unknown>,
    prevHash: row.prev_hash, hash: row.hash,
  }));
}

/** Every string (keys included) inside a JSON value. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, member]) => [key, ...stringsIn(member)]);
  return [];
}

let acmeAdmin: Actor;
let betaAdmin: Actor;
let acmeInfer: Actor;
let acmeReader: Actor;
const FORGED_LINE = '\r\n{"seq":1,"actor":"key:admin","tenant":"acme","action":"tenant.delete","target":"acme","outcome":"ok"}\u2028\u0085';

describe('audit trail', () => {
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-audit-'));
    server = await startTestServer([], { dataDir });

    await mutate('create tenant acme', ADMIN, 'POST', '/api/tenants', 201, { action: 'tenant.create' }, { body: { name: 'acme' } });
    await mutate('create tenant beta', ADMIN, 'POST', '/api/tenants', 201, { action: 'tenant.create' }, { body: { name: 'beta' } });
    const acmeKey = await mutate('acme admin key', ADMIN, 'POST', '/api/keys', 201, { action: 'key.create', tenant: 'acme' }, { body: { name: 'acme admin', tenant: 'acme', scopes: ['tenant:admin'] } });
    acmeAdmin = { key: acmeKey.key, id: acmeKey.id, tenant: 'acme' };
    const betaKey = await mutate('beta admin key', ADMIN, 'POST', '/api/keys', 201, { action: 'key.create', tenant: 'beta' }, { body: { name: 'beta admin', tenant: 'beta', scopes: ['tenant:admin'] } });
    betaAdmin = { key: betaKey.key, id: betaKey.id, tenant: 'beta' };
    const inferKey = await mutate('acme infer key', acmeAdmin, 'POST', '/api/keys', 201, { action: 'key.create' }, { body: { name: 'acme infer', scopes: ['infer'] } });
    acmeInfer = { key: inferKey.key, id: inferKey.id, tenant: 'acme' };
    const readerKey = await mutate('acme reader key', acmeAdmin, 'POST', '/api/keys', 201, { action: 'key.create' }, { body: { name: 'acme reader', scopes: ['models:read'] } });
    acmeReader = { key: readerKey.key, id: readerKey.id, tenant: 'acme' };

    await mutate('create model', acmeAdmin, 'POST', '/api/models', 201, { action: 'model.create' }, { body: { name: 'mlp' } });
    await mutate('push v1', acmeAdmin, 'POST', '/api/models/mlp/versions', 201, { action: 'version.push', target: 'mlp' }, { bytes: buildMlp({ seed: 1 }) });
    await mutate('push v2', acmeAdmin, 'POST', '/api/models/mlp/versions', 201, { action: 'version.push', target: 'mlp' }, { bytes: buildMlp({ seed: 2 }) });
    await mutate('alias → 1', acmeAdmin, 'PUT', '/api/models/mlp/aliases/production', 200, { action: 'alias.set', target: 'alias production' }, { body: { version: 1 } });
    await mutate('alias → 2', acmeAdmin, 'PUT', '/api/models/mlp/aliases/production', 200, { action: 'alias.set', target: 'alias production' }, { body: { version: 2 } });
    await mutate('rollback', acmeAdmin, 'POST', '/api/models/mlp/aliases/production/rollback', 200, { action: 'alias.rollback', target: 'alias production' });
    await mutate('description with CR/LF', acmeAdmin, 'PATCH', '/api/models/mlp', 200, { action: 'model.update', target: 'mlp' }, { body: { description: `innocent${FORGED_LINE}` } });

    await read(acmeInfer, '/v2/models/mlp/infer', { method: 'POST', body: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] } });
    await read(acmeAdmin, '/api/models');
    await read(acmeAdmin, '/api/models/mlp/aliases/production/history');

    await mutate('infer key creates a model', acmeInfer, 'POST', '/api/models', 403, { action: 'model.create' }, { body: { name: 'nope' } });
    await mutate('tenant admin makes a key in another tenant', acmeAdmin, 'POST', '/api/keys', 403, { action: 'key.create' }, { body: { name: 'x', tenant: 'beta', scopes: ['infer'] } });
    await mutate('tenant admin creates a tenant', acmeAdmin, 'POST', '/api/tenants', 403, { action: 'tenant.create' }, { body: { name: 'gamma' } });
    await mutate('key name with CR/LF', acmeAdmin, 'POST', '/api/keys', 400, { action: 'key.create' }, { body: { name: `evil${FORGED_LINE}`, scopes: ['infer'] } });
    await mutate('other tenant deletes acme model', betaAdmin, 'DELETE', '/api/models/acme/mlp', 404, { action: 'model.delete', target: 'acme/mlp' });
    await mutate('CR/LF in a path parameter', acmeAdmin, 'DELETE', `/api/models/evil${encodeURIComponent(FORGED_LINE)}`, 400, { action: 'model.delete', target: 'evil' });
    await mutate('rotate infer key', ADMIN, 'POST', `/api/keys/${acmeInfer.id}/rotate`, 201, { action: 'key.rotate', target: `key ${acmeInfer.id}`, tenant: 'acme' }, { body: {} });
    await mutate('revoke infer key', acmeAdmin, 'DELETE', `/api/keys/${acmeInfer.id}`, 200, { action: 'key.revoke', target: `key ${acmeInfer.id}` });
    await mutate('delete version 2', acmeAdmin, 'DELETE', '/api/models/mlp/versions/2', null, { action: 'version.delete', target: 'version 2' });
    await mutate('delete alias', acmeAdmin, 'DELETE', '/api/models/mlp/aliases/production', 204, { action: 'alias.delete', target: 'alias production' });
    await mutate('load', ADMIN, 'POST', '/v2/repository/models/acme/mlp/load', 200, { action: 'model.load', target: 'acme/mlp', tenant: 'acme' });
    await mutate('unload', ADMIN, 'POST', '/v2/repository/models/acme/mlp/unload', 200, { action: 'model.unload', target: 'acme/mlp', tenant: 'acme' });
    await mutate('beta creates a model', betaAdmin, 'POST', '/api/models', 201, { action: 'model.create' }, { body: { name: 'bm' } });
    await mutate('beta deletes it', betaAdmin, 'DELETE', '/api/models/bm', 204, { action: 'model.delete', target: 'bm' });
    await mutate('limit tenant beta', ADMIN, 'PATCH', '/api/tenants/beta', 200, { action: 'tenant.update', target: 'tenant beta', tenant: 'beta' }, { body: { limits: { requestsPerSecond: 100 } } });
    const tagged = await send(acmeAdmin, 'POST', '/api/models', { body: { name: 'tagged' }, headers: { 'x-request-id': 'client-req-42' } });
    assert.equal(tagged.status, 201);
    assert.equal(tagged.requestId, 'client-req-42', 'a well-formed client request id is kept');
    tracked.push({ label: 'client request id', requestId: tagged.requestId, status: 201, actor: `key:${acmeAdmin.id}`, tenant: 'acme', action: 'model.create', outcome: 'ok' });
    const badId = await send(acmeAdmin, 'POST', '/api/models', { body: { name: 'untagged' }, headers: { 'x-request-id': 'bad id {"seq":1}' } });
    assert.equal(badId.status, 201);
    assert.notEqual(badId.requestId, 'bad id {"seq":1}', 'a malformed client request id is replaced');
    tracked.push({ label: 'malformed request id', requestId: badId.requestId, status: 201, actor: `key:${acmeAdmin.id}`, tenant: 'acme', action: 'model.create', outcome: 'ok' });
    const unknown = await send(`tsk_nosuchkey_${'a'.repeat(40)}`, 'POST', '/api/models', { body: { name: 'x' } });
    assert.equal(unknown.status, 401);
    tracked.push({ label: 'unknown key', requestId: unknown.requestId, status: 401, actor: 'key:nosuchkey', tenant: '-', action: 'auth.failure', outcome: 'refused' });
    await mutate('delete tenant beta', ADMIN, 'DELETE', '/api/tenants/beta', 204, { action: 'tenant.delete', target: 'tenant beta', tenant: 'beta' });
  });
  after(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('B44: every mutating call, refused ones included, left exactly one record with key, tenant, action, target, outcome and request id', async () => {
    const records = await allRecords(ADMIN, 7);
    assert.deepEqual(records.map((r) => r.seq), records.map((_, i) => i + 1), 'seq runs 1, 2, 3… across pages');
    const problems: string[] = [];
    for (const call of tracked) {
      const matching = records.filter((r) => r.requestId === call.requestId);
      if (matching.length !== 1) { problems.push(`${call.label}: ${matching.length} records`); continue; }
      const [record] = matching;
      const got = { actor: record.actor, tenant: record.tenant, action: record.action, outcome: record.outcome };
      const want = { actor: call.actor, tenant: call.tenant, action: call.action, outcome: call.outcome };
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${call.label}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      if (call.target !== undefined && !record.target.includes(call.target)) problems.push(`${call.label}: target ${JSON.stringify(record.target)} lacks ${JSON.stringify(call.target)}`);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(record.at)) problems.push(`${call.label}: at ${record.at} is not a UTC timestamp`);
    }
    assert.deepEqual(problems, []);
    for (const id of unaudited) assert.equal(records.filter((r) => r.requestId === id).length, 0, 'reads and inference are not audited as changes');
    const trackedIds = new Set(tracked.map((c) => c.requestId));
    const others = records.filter((r) => !trackedIds.has(r.requestId));
    assert.ok(others.every((r) => r.actor.startsWith('system:')), `records no call explains: ${JSON.stringify(others)}`);
    const secrets = [TEST_ADMIN_KEY, acmeAdmin.key, betaAdmin.key, acmeInfer.key, acmeReader.key];
    const text = JSON.stringify(records);
    for (const secret of secrets) assert.ok(!text.includes(secret) && !text.includes(secret.split('_').pop()!), 'no key secret in the audit log');
  });

  it('B44: the hash chain verifies, read page by page; CR/LF in user input forges no record', async () => {
    const records = await allRecords(ADMIN, 5);
    const result = verifyAuditChain(records, sha256Hex);
    assert.deepEqual(result, { ok: true, count: records.length, head: records[records.length - 1].hash });
    let head = { seq: 0, hash: '0'.repeat(64) };
    for (let i = 0; i < records.length; i += 4) {
      const part = verifyAuditChain(records.slice(i, i + 4), sha256Hex, head);
      assert.ok(part.ok, JSON.stringify(part));
      head = { seq: records[Math.min(i + 4, records.length) - 1].seq, hash: part.head };
    }
    for (const record of records) {
      for (const field of ['tenant', 'actor', 'action', 'target', 'outcome', 'requestId', 'at'] as const) {
        assert.ok(!UNSAFE.test(record[field]), `record ${record.seq} ${field} holds a control or line-separator character: ${JSON.stringify(record[field])}`);
      }
      for (const text of stringsIn(record.details)) assert.ok(!UNSAFE.test(text), `record ${record.seq} details hold a control character: ${JSON.stringify(text)}`);
    }
    assert.equal(records.filter((r) => r.action === 'tenant.delete' && r.target.includes('acme')).length, 0, 'the forged line is not a record');
    const crlf = records.find((r) => r.requestId === tracked.find((c) => c.label === 'CR/LF in a path parameter')!.requestId)!;
    assert.ok(crlf.target.startsWith('evil'), crlf.target);
    assert.ok(crlf.target.length <= 256);
    const described = await read(acmeAdmin, '/api/models/mlp');
    assert.equal(described.description, `innocent${FORGED_LINE}`, 'the model keeps its description; only the audit log is sanitized');
  });

  it('a tenant admin sees only its tenant\'s records; other keys cannot read the trail', async () => {
    const records = await allRecords(acmeAdmin, 6);
    assert.ok(records.length > 0);
    assert.ok(records.every((r) => r.tenant === 'acme'), JSON.stringify(records.filter((r) => r.tenant !== 'acme')));
    const expected = tracked.filter((c) => c.tenant === 'acme').map((c) => c.requestId).sort();
    assert.deepEqual(records.map((r) => r.requestId).sort(), expected);
    const forced = await allRecords(acmeAdmin, 50, '&tenant=default');
    assert.ok(forced.every((r) => r.tenant === 'acme'), 'asking for another tenant still shows only its own');
    assert.equal((await send(acmeReader, 'GET', '/api/audit')).status, 403);
  });

  it('B44: SQLite refuses UPDATE and DELETE; with the triggers dropped, editing any record fails verification at its seq', async () => {
    await server.close();
    const db = openDatabase(join(dataDir, 'tessera.db'));
    let editedSeq = 0;
    try {
      assert.throws(() => db.prepare("UPDATE audit_log SET outcome = 'ok' WHERE seq = 1").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM audit_log').run(), /append-only/);
      const original = recordsIn(db);
      assert.ok(verifyAuditChain(original, sha256Hex).ok);
      const last = original.length;
      const middle = Math.ceil(last / 2);

      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      const edits: Array<[number, string, string]> = [
        [1, 'target', 'somewhere else'], [2, 'actor', 'key:admin'], [middle, 'outcome', 'ok'], [middle + 1, 'details_json', '{"status":200}'],
        [last - 1, 'at', '2000-01-01T00:00:00.000Z'], [last, 'tenant', 'beta'],
      ];
      for (const [seq, column, value] of edits) {
        const before = db.prepare<Record<string, string>>(`SELECT ${column} AS value FROM audit_log WHERE seq = ?`).get(seq)!.value;
        const changed = value === before ? `${value}x` : value;
        db.prepare(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`).run(changed, seq);
        const result = verifyAuditChain(recordsIn(db), sha256Hex);
        assert.deepEqual(result.ok ? result : { ok: result.ok, seq: result.seq }, { ok: false, seq }, `editing ${column} of record ${seq}`);
        db.prepare(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`).run(before, seq);
        assert.ok(verifyAuditChain(recordsIn(db), sha256Hex).ok);
      }
      const removed = db.prepare<AuditRow>('SELECT * FROM audit_log WHERE seq = ?').get(middle)!;
      db.prepare('DELETE FROM audit_log WHERE seq = ?').run(middle);
      const gap = verifyAuditChain(recordsIn(db), sha256Hex);
      assert.equal(gap.ok, false);
      assert.ok(!gap.ok && gap.seq === middle + 1 && /missing/.test(gap.reason), JSON.stringify(gap));
      db.prepare('INSERT INTO audit_log (seq, at, tenant, actor, action, target, outcome, request_id, details_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(removed.seq, removed.at, removed.tenant, removed.actor, removed.action, removed.target, removed.outcome, removed.request_id, removed.details_json, removed.prev_hash, removed.hash);
      assert.ok(verifyAuditChain(recordsIn(db), sha256Hex).ok);

      editedSeq = middle;
      db.prepare("UPDATE audit_log SET outcome = CASE outcome WHEN 'ok' THEN 'refused' ELSE 'ok' END WHERE seq = ?").run(editedSeq);
    } finally {
      db.close();
    }
    server = await startTestServer([], { dataDir });
    const served = await allRecords(ADMIN, 100);
    const result = verifyAuditChain(served, sha256Hex);
    assert.equal(result.ok, false, 'the edit shows through the API too');
    assert.equal(!result.ok && result.seq, editedSeq);
  });
});
