import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseVersionRef } from '../src/core/index.js';
import { REGISTRY_MIGRATIONS, openDatabase, runMigrations, type SqlDatabase } from '../src/db/index.js';
import { CachingModelStore, FileArtifactStore, SqliteModelStore, resolveVersion, type ModelStore, type NewVersion } from '../src/registry/index.js';
import type { ArtifactCipher, StoredArtifact } from '../src/registry/types.js';
import { createArtifactCipher, generateMasterKeyText, parseMasterKey } from '../src/security/index.js';
import { buildMlp } from '../src/testing/onnx-builder.js';

/** Asserts that `fn` throws (or rejects with) a ServingError-like object with `code`. */
async function rejectsWith(fn: () => unknown, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(async () => { await fn(); }, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    if (message) assert.match(error.message ?? '', message);
    return true;
  });
}

const model = { name: 'default/mlp', tenant: 'default', task: 'classification', description: 'tiny', labels: ['a', 'b'], preprocess: { size: 4 }, runtime: { instances: 2 } };
const version = (state: NewVersion['state'] = 'READY', artifactId: string | null = null): NewVersion => ({
  sha256: 'ab'.repeat(32), sizeBytes: 10, artifactId, state, error: null, envelope: null,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
});

/** The actor of the moves these tests make when the actor is not what they check. */
const BY = { actor: 'test' };

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'tessera-registry-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

describe('database', () => {
  it('applies migrations once and keeps the pragmas', () => {
    const file = join(dir, 'migrate.db');
    const first = openDatabase(file);
    assert.deepEqual(runMigrations(first, REGISTRY_MIGRATIONS), REGISTRY_MIGRATIONS.map((m) => m.version));
    first.close();
    const db = openDatabase(file);
    assert.deepEqual(runMigrations(db, REGISTRY_MIGRATIONS), []);
    assert.equal(db.prepare<{ n: number }>('SELECT count(*) AS n FROM schema_migrations').get()?.n, REGISTRY_MIGRATIONS.length);
    assert.equal(db.prepare<{ journal_mode: string }>('PRAGMA journal_mode').get()?.journal_mode, 'wal');
    assert.equal(db.prepare<{ synchronous: number }>('PRAGMA synchronous').get()?.synchronous, 2);
    assert.equal(db.prepare<{ foreign_keys: number }>('PRAGMA foreign_keys').get()?.foreign_keys, 1);
    assert.equal(db.prepare<{ timeout: number }>('PRAGMA busy_timeout').get()?.timeout, 5000);
    db.close();
  });

  it('migration 4 attributes older alias moves to "unknown" and starts existing aliases at generation 1', () => {
    const db = openDatabase(join(dir, 'migrate-4.db'));
    runMigrations(db, REGISTRY_MIGRATIONS.filter((m) => m.version <= 3));
    const at = '2024-01-01T00:00:00.000Z';
    db.prepare(`INSERT INTO models (id, name, tenant, task, created_at, updated_at) VALUES (1, 'default/mlp', 'default', 't', ?, ?)`).run(at, at);
    db.prepare(`INSERT INTO aliases (model_id, name, version, previous_json, updated_at) VALUES (1, 'prod', 2, '[1]', ?)`).run(at);
    db.prepare(`INSERT INTO alias_history (model_id, alias, from_version, to_version, action, at) VALUES (1, 'prod', NULL, 1, 'set', ?), (1, 'prod', 1, 2, 'set', ?)`).run(at, at);
    assert.deepEqual(runMigrations(db, REGISTRY_MIGRATIONS.filter((m) => m.version <= 4)), [4]);
    const store = new SqliteModelStore({ db });
    assert.equal(store.getAlias('default/mlp', 'prod')?.generation, 1);
    assert.deepEqual(store.aliasHistory('default/mlp', 'prod').map((m) => [m.actor, m.reason]), [['unknown', ''], ['unknown', '']]);
    db.close();
  });

  it('migration 5 gives existing models no traffic split', () => {
    const db = openDatabase(join(dir, 'migrate-5.db'));
    runMigrations(db, REGISTRY_MIGRATIONS.filter((m) => m.version <= 4));
    const at = '2024-01-01T00:00:00.000Z';
    db.prepare(`INSERT INTO models (id, name, tenant, task, created_at, updated_at) VALUES (1, 'default/mlp', 'default', 't', ?, ?)`).run(at, at);
    assert.deepEqual(runMigrations(db, REGISTRY_MIGRATIONS), [5]);
    const store = new SqliteModelStore({ db });
    assert.equal(store.getModel('default/mlp')?.traffic, null);
    assert.equal(store.getModel('default/mlp')?.updatedAt, at);
    db.close();
  });

  it('refuses a database migrated by a newer version', () => {
    const db = openDatabase(join(dir, 'newer.db'));
    runMigrations(db, [...REGISTRY_MIGRATIONS, { version: 99, name: 'future', sql: 'CREATE TABLE future (id INTEGER)' }]);
    assert.throws(() => runMigrations(db, REGISTRY_MIGRATIONS), /does not know: 99 \(future\)/);
    db.close();
  });

  it('rolls back a failing migration and refuses a damaged file', async () => {
    const db = openDatabase(join(dir, 'failing.db'));
    assert.throws(() => runMigrations(db, [{ version: 1, name: 'bad', sql: 'CREATE TABLE t (id INTEGER); NOT SQL' }]));
    assert.equal(db.prepare('SELECT name FROM sqlite_master WHERE name = ?').get('t'), undefined);
    db.close();
    const junk = join(dir, 'junk.db');
    await writeFile(junk, Buffer.alloc(4096, 7));
    assert.throws(() => openDatabase(junk), /junk\.db/);
  });
});

const STORES: Array<[string, (options: { db: SqlDatabase; now: () => Date }) => ModelStore]> = [
  ['SqliteModelStore', (options) => new SqliteModelStore(options)],
  ['CachingModelStore over SqliteModelStore', (options) => new CachingModelStore(new SqliteModelStore(options))],
];

for (const [label, makeStore] of STORES) describe(label, () => {
  let db: SqlDatabase;
  let store: ModelStore;
  let tick = 0;
  const now = () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++));

  beforeEach(() => {
    db?.close();
    db = openDatabase(join(dir, `store-${Date.now()}-${tick}.db`));
    runMigrations(db, REGISTRY_MIGRATIONS);
    store = makeStore({ db, now });
  });
  after(() => db?.close());

  it('creates, lists, updates and refuses duplicate models', async () => {
    const created = store.createModel(model);
    assert.equal(created.name, 'default/mlp');
    assert.equal(created.tenant, 'default');
    assert.equal(created.visibility, 'private');
    assert.deepEqual(created.labels, ['a', 'b']);
    assert.deepEqual(created.preprocess, { size: 4 });
    assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await rejectsWith(() => store.createModel(model), 'MODEL_EXISTS', /"default\/mlp"/);
    await rejectsWith(() => store.createModel({ ...model, name: 'default/Bad Name' }), 'INVALID_MODEL_NAME');
    store.createModel({ ...model, name: 'default/alpha' });
    assert.deepEqual(store.listModels().map((m) => m.name), ['default/alpha', 'default/mlp']);
    const updated = store.updateModel('default/mlp', { description: 'changed', labels: undefined });
    assert.equal(updated.description, 'changed');
    assert.deepEqual(updated.labels, ['a', 'b']);
    assert.notEqual(updated.updatedAt, created.updatedAt);
    assert.equal(store.getModel('nope'), undefined);
    await rejectsWith(() => store.updateModel('nope', {}), 'MODEL_NOT_FOUND', /"nope"/);
    await rejectsWith(() => store.createVersion('nope', version()), 'MODEL_NOT_FOUND');
  });

  it('numbers versions 1, 2, 3 and never reuses a number', async () => {
    store.createModel(model);
    assert.deepEqual([1, 2, 3].map(() => store.createVersion('default/mlp', version()).version), [1, 2, 3]);
    assert.equal(store.deleteVersion('default/mlp', 3).version, 3);
    assert.equal(store.createVersion('default/mlp', version()).version, 4);
    assert.deepEqual(store.listVersions('default/mlp').map((v) => v.version), [1, 2, 4]);
    assert.equal(store.getVersion('default/mlp', 3), undefined);
    await rejectsWith(() => store.deleteVersion('default/mlp', 3), 'VERSION_NOT_FOUND', /Model "default\/mlp" has no version 3/);
    const v1 = store.getVersion('default/mlp', 1);
    assert.equal(v1?.model, 'default/mlp');
    assert.deepEqual(v1?.inputs, version().inputs);
  });

  it('finishes versions, finds the latest READY one and the interrupted ones', () => {
    store.createModel(model);
    store.createVersion('default/mlp', version('READY'));
    store.createVersion('default/mlp', version('VALIDATING', 'f'.repeat(32)));
    store.createVersion('default/mlp', version('VALIDATING'));
    assert.equal(store.latestReadyVersion('default/mlp')?.version, 1);
    assert.deepEqual(store.listInterruptedVersions().map((v) => v.version), [2, 3]);
    const failed = store.finishVersion('default/mlp', 2, { state: 'FAILED', error: 'bad graph', artifactId: null });
    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.artifactId, null);
    assert.equal(failed.error, 'bad graph');
    const ready = store.finishVersion('default/mlp', 3, { state: 'READY', error: null, inputs: [] });
    assert.deepEqual(ready.inputs, []);
    assert.deepEqual(ready.outputs, version().outputs);
    assert.equal(store.latestReadyVersion('default/mlp')?.version, 3);
    assert.deepEqual(store.listInterruptedVersions(), []);
    store.createVersion('default/mlp', version('VALIDATING'));
    store.purgeVersion('default/mlp', 4);
    assert.equal(store.getVersion('default/mlp', 4), undefined);
  });

  it('sets aliases, rolls back through the stack and records history', async () => {
    store.createModel(model);
    for (let i = 0; i < 4; i++) store.createVersion('default/mlp', version());
    store.createVersion('default/mlp', version('VALIDATING'));
    await rejectsWith(() => store.setAlias('default/mlp', 'prod', 9, BY), 'VERSION_NOT_FOUND', /no version 9/);
    await rejectsWith(() => store.setAlias('default/mlp', 'prod', 5, BY), 'VERSION_NOT_READY', /VALIDATING/);
    await rejectsWith(() => store.setAlias('default/mlp', '1abc', 1, BY), 'INVALID_ALIAS_NAME');
    store.setAlias('default/mlp', 'prod', 1, BY);
    store.setAlias('default/mlp', 'prod', 2, BY);
    assert.equal(store.setAlias('default/mlp', 'prod', 2, BY).version, 2); // no-op: no history row, no push
    store.setAlias('default/mlp', 'prod', 3, BY);
    store.setAlias('default/mlp', 'prod', 4, BY); // stack [1, 2, 3]
    assert.deepEqual(store.listAliases('default/mlp').map((a) => [a.name, a.version]), [['prod', 4]]);
    await rejectsWith(() => store.deleteVersion('default/mlp', 4), 'VERSION_IN_USE', /alias "prod"/);
    store.deleteVersion('default/mlp', 3);
    assert.equal(store.rollbackAlias('default/mlp', 'prod', BY).version, 2); // skips deleted 3
    assert.equal(store.rollbackAlias('default/mlp', 'prod', BY).version, 1);
    await rejectsWith(() => store.rollbackAlias('default/mlp', 'prod', BY), 'NO_PREVIOUS_TARGET', /"prod"/);
    assert.equal(store.getAlias('default/mlp', 'prod')?.version, 1);
    await rejectsWith(() => store.rollbackAlias('default/mlp', 'staging', BY), 'ALIAS_NOT_FOUND', /"staging"/);
    store.deleteAlias('default/mlp', 'prod', BY);
    assert.equal(store.getAlias('default/mlp', 'prod'), undefined);
    await rejectsWith(() => store.deleteAlias('default/mlp', 'prod', BY), 'ALIAS_NOT_FOUND');
    const moves = store.aliasHistory('default/mlp', 'prod').map((m) => [m.action, m.fromVersion, m.toVersion]);
    assert.deepEqual(moves, [
      ['set', null, 1], ['set', 1, 2], ['set', 2, 3], ['set', 3, 4],
      ['rollback', 4, 2], ['rollback', 2, 1], ['delete', 1, null],
    ]);
  });

  it('moves an alias only from the expected generation, in the same transaction', async () => {
    store.createModel(model);
    for (let i = 0; i < 3; i++) store.createVersion('default/mlp', version());
    await rejectsWith(() => store.setAlias('default/mlp', 'prod', 1, { ...BY, expectedGeneration: 1 }), 'PRECONDITION_FAILED', /"prod" of model "default\/mlp" does not exist/);
    await rejectsWith(() => store.setAlias('default/mlp', 'prod', 1, { ...BY, expectedGeneration: '*' }), 'PRECONDITION_FAILED');
    assert.equal(store.getAlias('default/mlp', 'prod'), undefined);
    assert.equal(store.setAlias('default/mlp', 'prod', 1, BY).generation, 1);
    assert.equal(store.setAlias('default/mlp', 'prod', 2, { ...BY, expectedGeneration: 1 }).generation, 2);
    // A second writer that read generation 1 is refused, and learns the current generation.
    await assert.rejects(async () => store.setAlias('default/mlp', 'prod', 3, { ...BY, expectedGeneration: 1 }),
      (error: { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'PRECONDITION_FAILED');
        assert.deepEqual(error.details, { generation: 2 });
        return true;
      });
    // The precondition comes before the target's checks: a stale writer hears 412, not 404.
    await rejectsWith(() => store.setAlias('default/mlp', 'prod', 9, { ...BY, expectedGeneration: 1 }), 'PRECONDITION_FAILED');
    assert.equal(store.setAlias('default/mlp', 'prod', 2, { ...BY, expectedGeneration: 2 }).generation, 2, 'same target: no move, same generation');
    assert.equal(store.setAlias('default/mlp', 'prod', 3, { ...BY, expectedGeneration: '*' }).generation, 3);
    await rejectsWith(() => store.rollbackAlias('default/mlp', 'prod', { ...BY, expectedGeneration: 2 }), 'PRECONDITION_FAILED', /generation 3/);
    const rolled = store.rollbackAlias('default/mlp', 'prod', { ...BY, expectedGeneration: 3 });
    assert.deepEqual([rolled.version, rolled.generation], [2, 4]);
    assert.equal(store.getAlias('default/mlp', 'prod')?.generation, 4);
    assert.deepEqual(store.listAliases('default/mlp').map((a) => a.generation), [4]);
    await rejectsWith(() => store.deleteAlias('default/mlp', 'prod', { ...BY, expectedGeneration: 3 }), 'PRECONDITION_FAILED');
    store.deleteAlias('default/mlp', 'prod', { ...BY, expectedGeneration: 4 });
    await rejectsWith(() => store.deleteAlias('default/mlp', 'prod', { ...BY, expectedGeneration: 4 }), 'PRECONDITION_FAILED', /does not exist/);
    await rejectsWith(() => store.rollbackAlias('default/mlp', 'prod', { ...BY, expectedGeneration: '*' }), 'PRECONDITION_FAILED');
    await rejectsWith(() => store.deleteAlias('default/mlp', 'prod', BY), 'ALIAS_NOT_FOUND');
    // Re-created after a delete, the alias continues above every generation it had: an old ETag never matches again.
    assert.equal(store.setAlias('default/mlp', 'prod', 1, BY).generation, 5);
    assert.equal(store.setAlias('default/mlp', 'other', 1, BY).generation, 1);
    const moves = store.aliasHistory('default/mlp', 'prod').map((m) => [m.action, m.fromVersion, m.toVersion]);
    assert.deepEqual(moves, [['set', null, 1], ['set', 1, 2], ['set', 2, 3], ['rollback', 3, 2], ['delete', 2, null], ['set', null, 1]],
      'refused moves leave no trace');
  });

  it('records who moved an alias and why', async () => {
    store.createModel(model);
    for (let i = 0; i < 2; i++) store.createVersion('default/mlp', version());
    store.setAlias('default/mlp', 'prod', 1, { actor: 'system:seed' });
    store.setAlias('default/mlp', 'prod', 2, { actor: 'key:k1', reason: 'ticket 42' });
    store.rollbackAlias('default/mlp', 'prod', { actor: 'system:auto-rollback', reason: 'error rate 12% > 5%' });
    store.deleteAlias('default/mlp', 'prod', { actor: 'key:k2', reason: 'retired' });
    assert.deepEqual(store.aliasHistory('default/mlp', 'prod').map((m) => [m.action, m.actor, m.reason]), [
      ['set', 'system:seed', ''], ['set', 'key:k1', 'ticket 42'], ['rollback', 'system:auto-rollback', 'error rate 12% > 5%'],
      ['delete', 'key:k2', 'retired'],
    ]);
    assert.throws(() => store.setAlias('default/mlp', 'prod', 1, { actor: '' }), RangeError);
    assert.throws(() => store.rollbackAlias('default/mlp', 'prod', { actor: 'x', expectedGeneration: 1.5 }), RangeError);
  });

  it('rollback skips versions that are no longer READY', () => {
    store.createModel(model);
    for (let i = 0; i < 3; i++) store.createVersion('default/mlp', version());
    store.setAlias('default/mlp', 'prod', 1, BY);
    store.setAlias('default/mlp', 'prod', 2, BY);
    store.setAlias('default/mlp', 'prod', 3, BY);
    store.finishVersion('default/mlp', 2, { state: 'FAILED', error: 'revoked' });
    assert.equal(store.rollbackAlias('default/mlp', 'prod', BY).version, 1);
  });

  it('resolves versions for every kind of reference', async () => {
    await rejectsWith(() => resolveVersion(store, 'default/mlp'), 'MODEL_NOT_FOUND');
    store.createModel(model);
    await rejectsWith(() => resolveVersion(store, 'default/mlp'), 'NO_READY_VERSION', /"default\/mlp"/);
    store.createVersion('default/mlp', version());
    store.createVersion('default/mlp', version());
    store.createVersion('default/mlp', version('FAILED'));
    assert.equal(resolveVersion(store, 'default/mlp').version, 2);
    store.setAlias('default/mlp', 'production', 1, BY);
    assert.equal(resolveVersion(store, 'default/mlp').version, 1);
    assert.equal(resolveVersion(store, 'default/mlp', parseVersionRef('3')).version, 3);
    await rejectsWith(() => resolveVersion(store, 'default/mlp', parseVersionRef('7')), 'VERSION_NOT_FOUND', /Model "default\/mlp" has no version 7/);
    store.setAlias('default/mlp', 'staging', 2, BY);
    assert.equal(resolveVersion(store, 'default/mlp', parseVersionRef('staging')).version, 2);
    await rejectsWith(() => resolveVersion(store, 'default/mlp', parseVersionRef('canary')), 'ALIAS_NOT_FOUND', /"canary"/);
  });

  it('stores, replaces and removes a traffic split; every read after a change sees it', async () => {
    const created = store.createModel(model);
    assert.equal(created.traffic, null);
    store.createVersion('default/mlp', version());
    store.createVersion('default/mlp', version());
    assert.equal(store.getModel('default/mlp')?.traffic, null, 'read once (cached by the decorator)');
    const split = { routes: [{ version: 1, weight: 80 }, { alias: 'staging', weight: 20 }], stickyHeader: 'x-user-id' };
    const set = store.setTraffic('default/mlp', split);
    assert.deepEqual(set.traffic, split);
    assert.notEqual(set.updatedAt, created.updatedAt);
    assert.deepEqual(store.getModel('default/mlp')?.traffic, split);
    assert.deepEqual(store.listModels().find((m) => m.name === 'default/mlp')?.traffic, split);
    const replaced = { routes: [{ version: 2, weight: 100 }] };
    assert.deepEqual(store.setTraffic('default/mlp', replaced).traffic, replaced);
    assert.deepEqual(store.getModel('default/mlp')?.traffic, replaced);
    // Other writes keep the split; only setTraffic changes it.
    store.updateModel('default/mlp', { description: 'changed' });
    store.setAlias('default/mlp', 'production', 1, BY);
    assert.deepEqual(store.getModel('default/mlp')?.traffic, replaced);
    assert.equal(store.setTraffic('default/mlp', null).traffic, null);
    assert.equal(store.getModel('default/mlp')?.traffic, null);
    assert.equal(db.prepare<{ traffic_json: string | null }>('SELECT traffic_json FROM models WHERE name = ?').get('default/mlp')?.traffic_json, null);
    await rejectsWith(() => store.setTraffic('default/nope', replaced), 'MODEL_NOT_FOUND', /"default\/nope"/);
    // The split goes with the model.
    store.setTraffic('default/mlp', replaced);
    store.deleteModel('default/mlp');
    assert.equal(store.createModel(model).traffic, null);
  });

  it('deletes a model with its versions, aliases and history, returning artifact ids', async () => {
    store.createModel(model);
    store.createModel({ ...model, name: 'default/other' });
    const ids = ['a'.repeat(32), 'b'.repeat(32)];
    store.createVersion('default/mlp', version('READY', ids[0]));
    store.createVersion('default/mlp', version('FAILED', null));
    store.createVersion('default/mlp', version('READY', ids[1]));
    store.createVersion('default/other', version('READY', 'c'.repeat(32)));
    store.setAlias('default/mlp', 'prod', 1, BY);
    assert.deepEqual([...store.referencedArtifactIds()].sort(), [...ids, 'c'.repeat(32)]);
    assert.deepEqual(store.deleteModel('default/mlp'), ids);
    assert.equal(store.getModel('default/mlp'), undefined);
    for (const table of ['versions', 'aliases', 'alias_history']) {
      assert.equal(db.prepare<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE model_id = 1`).get()?.n, 0, table);
    }
    assert.deepEqual([...store.referencedArtifactIds()], ['c'.repeat(32)]);
    await rejectsWith(() => store.deleteModel('default/mlp'), 'MODEL_NOT_FOUND');
    store.createModel(model);
    assert.equal(store.createVersion('default/mlp', version()).version, 1);
    assert.deepEqual(store.aliasHistory('default/mlp', 'prod'), []);
  });
});

const OWNER = { tenant: 'default', modelId: 1 };
const locator = (stored: StoredArtifact, owner = OWNER) => ({ artifactId: stored.artifactId, sha256: stored.sha256, envelope: stored.envelope, owner });

async function* chunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    yield new Uint8Array(size).fill(i % 256);
  }
}

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.slice(offset, offset + size);
}

const newCipher = (chunkSize?: number): ArtifactCipher => createArtifactCipher(parseMasterKey(generateMasterKeyText()), { chunkSize });

for (const [label, makeCipher] of [['FileArtifactStore', () => undefined], ['FileArtifactStore (encrypted)', () => newCipher(1000)]] as const) describe(label, () => {
  let root: string;
  let artifacts: FileArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(join(dir, 'artifacts-'));
    artifacts = new FileArtifactStore({ root, cipher: makeCipher() });
  });

  const expected = (count: number, size: number) => {
    const hash = createHash('sha256');
    for (let i = 0; i < count; i++) hash.update(new Uint8Array(size).fill(i % 256));
    return hash.digest('hex');
  };

  it('round-trips a multi-chunk upload with its sha256', async () => {
    const stored = await artifacts.write(chunks(20, 4096), { maxBytes: 1 << 20, owner: OWNER });
    assert.match(stored.artifactId, /^[0-9a-f]{32}$/);
    assert.equal(stored.sizeBytes, 20 * 4096);
    assert.equal(stored.sha256, expected(20, 4096));
    assert.equal(stored.envelope === null, !artifacts.encrypted);
    const bytes = await artifacts.read(locator(stored));
    assert.equal(bytes.byteLength, 20 * 4096);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), stored.sha256);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    assert.deepEqual(await readdir(join(root, stored.artifactId.slice(0, 2))), [`${stored.artifactId}.onnx`]);
  });

  it('round-trips an empty upload', async () => {
    const stored = await artifacts.write(chunks(0, 1), { maxBytes: 10, owner: OWNER });
    assert.equal(stored.sizeBytes, 0);
    assert.equal((await artifacts.read(locator(stored))).byteLength, 0);
  });

  it('refuses an upload past maxBytes and leaves no temp file', async () => {
    let pulled = 0;
    let finished = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) { pulled++; yield new Uint8Array(1000); }
      } finally { finished = true; }
    }
    await rejectsWith(() => artifacts.write(endless(), { maxBytes: 2500, owner: OWNER }), 'MODEL_TOO_LARGE', /2500 bytes/);
    assert.equal(pulled, 3);
    assert.equal(finished, true);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    assert.deepEqual((await readdir(root)).sort(), ['tmp']);
  });

  it('destroys a stream source that goes past maxBytes', async () => {
    const body = new Readable({ read() { this.push(Buffer.alloc(1000)); } });
    await rejectsWith(() => artifacts.write(body, { maxBytes: 1500, owner: OWNER }), 'MODEL_TOO_LARGE');
    assert.equal(body.destroyed, true);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  });

  it('reports a flipped byte or a missing file as ARTIFACT_CORRUPT, without paths', async () => {
    const stored = await artifacts.write(chunks(3, 100), { maxBytes: 1000, owner: OWNER });
    const path = join(root, stored.artifactId.slice(0, 2), `${stored.artifactId}.onnx`);
    const bytes = await readFile(path);
    bytes[150] ^= 0xff;
    await writeFile(path, bytes);
    await rejectsWith(() => artifacts.read(locator(stored)), 'ARTIFACT_CORRUPT', new RegExp(stored.artifactId));
    await assert.rejects(artifacts.read(locator(stored)), (error: Error) => !error.message.includes(root));
    await artifacts.delete(stored.artifactId);
    await rejectsWith(() => artifacts.read(locator(stored)), 'ARTIFACT_CORRUPT', /missing/);
    await assert.rejects(artifacts.read(locator(stored)), (error: Error) => !error.message.includes(root) && !error.message.includes('.onnx'));
    await artifacts.delete(stored.artifactId); // deleting twice is fine
  });

  it('removes orphans and temp files but keeps referenced artifacts', async () => {
    const kept = await artifacts.write(chunks(1, 10), { maxBytes: 100, owner: OWNER });
    const orphan = await artifacts.write(chunks(1, 10), { maxBytes: 100, owner: OWNER });
    await writeFile(join(root, 'tmp', `${'d'.repeat(32)}.onnx.part`), 'half');
    await mkdir(join(root, 'ee'));
    await writeFile(join(root, 'ee', 'notes.txt'), 'not an artifact');
    assert.equal(await artifacts.removeOrphans(new Set([kept.artifactId])), 2);
    await artifacts.read(locator(kept));
    await rejectsWith(() => artifacts.read(locator(orphan)), 'ARTIFACT_CORRUPT');
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    assert.deepEqual(await readdir(join(root, 'ee')), ['notes.txt']);
    assert.equal(await new FileArtifactStore({ root: join(root, 'absent') }).removeOrphans(new Set()), 0);
  });

  it('refuses ids that are not 32 lower-case hex characters', async () => {
    for (const id of ['../../etc/passwd', 'A'.repeat(32), 'a'.repeat(31), `${'a'.repeat(32)}/x`, '']) {
      await rejectsWith(() => artifacts.read({ artifactId: id, sha256: 'x', envelope: null, owner: OWNER }), 'INTERNAL', /32 lower-case hex/);
      await rejectsWith(() => artifacts.delete(id), 'INTERNAL');
    }
  });
});

describe('FileArtifactStore with a master key', () => {
  const model = buildMlp({ inputSize: 16, hidden: 32, outputSize: 5, seed: 3 });
  const ONNX_STRINGS = ['tessera-testing', 'MatMul', 'Softmax', 'Relu', 'probabilities', 'h1_biased', 'input'];
  let root: string;
  let cipher: ArtifactCipher;
  let encrypted: FileArtifactStore;
  const fileOf = (stored: StoredArtifact) => join(root, stored.artifactId.slice(0, 2), `${stored.artifactId}.onnx`);

  beforeEach(async () => {
    root = await mkdtemp(join(dir, 'encrypted-'));
    cipher = newCipher(256);
    encrypted = new FileArtifactStore({ root, cipher });
  });

  it('the test model really contains the strings looked for', () => {
    assert.ok(model.byteLength > 5 * 256, `model of ${model.byteLength} bytes spans several chunks`);
    for (const text of ONNX_STRINGS) assert.ok(Buffer.from(model).includes(text), text);
  });

  it('writes only ciphertext and reads back the exact model bytes', async () => {
    assert.equal(encrypted.encrypted, true);
    const stored = await encrypted.write(pieces(model, 100), { maxBytes: 1 << 20, owner: OWNER });
    assert.equal(stored.sizeBytes, model.byteLength);
    assert.equal(stored.sha256, createHash('sha256').update(model).digest('hex'));
    assert.ok(stored.envelope !== null);
    const onDisk = await readFile(fileOf(stored));
    assert.equal(onDisk.subarray(0, 4).toString('latin1'), 'TSRA');
    const windows = new Set<string>();
    for (let i = 0; i + 32 <= model.byteLength; i++) windows.add(Buffer.from(model.subarray(i, i + 32)).toString('latin1'));
    for (let i = 0; i + 32 <= onDisk.byteLength; i++) assert.ok(!windows.has(onDisk.subarray(i, i + 32).toString('latin1')), `plaintext window at ${i}`);
    for (const text of ONNX_STRINGS) assert.ok(!onDisk.includes(text), `"${text}" is visible on disk`);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    assert.deepEqual(Buffer.from(await encrypted.read(locator(stored))), Buffer.from(model));
  });

  it('refuses a flipped byte anywhere in the file', async () => {
    const stored = await encrypted.write(pieces(model, 1000), { maxBytes: 1 << 20, owner: OWNER });
    const original = await readFile(fileOf(stored));
    for (const at of [0, 5, 10, 20, 300, original.byteLength - 1]) {
      const damaged = Buffer.from(original);
      damaged[at] ^= 0x01;
      await writeFile(fileOf(stored), damaged);
      await rejectsWith(() => encrypted.read(locator(stored)), 'ARTIFACT_CORRUPT', new RegExp(stored.artifactId));
    }
    await writeFile(fileOf(stored), original.subarray(0, original.byteLength - 1));
    await rejectsWith(() => encrypted.read(locator(stored)), 'ARTIFACT_CORRUPT');
    await writeFile(fileOf(stored), original);
    assert.equal((await encrypted.read(locator(stored))).byteLength, model.byteLength);
  });

  it('refuses another owner, a swapped envelope and another master key', async () => {
    const stored = await encrypted.write(pieces(model, 1000), { maxBytes: 1 << 20, owner: OWNER });
    const other = await encrypted.write(pieces(model, 1000), { maxBytes: 1 << 20, owner: OWNER });
    await rejectsWith(() => encrypted.read(locator(stored, { tenant: 'other', modelId: 1 })), 'ARTIFACT_CORRUPT');
    await rejectsWith(() => encrypted.read(locator(stored, { tenant: 'default', modelId: 2 })), 'ARTIFACT_CORRUPT');
    await rejectsWith(() => encrypted.read({ ...locator(stored), envelope: other.envelope }), 'ARTIFACT_CORRUPT');
    const elsewhere = new FileArtifactStore({ root, cipher: newCipher(256) });
    await rejectsWith(() => elsewhere.read(locator(stored)), 'ARTIFACT_CORRUPT', /sealed with master key [0-9a-f]{16}, this server has [0-9a-f]{16}/);
  });

  it('needs a master key for encrypted artifacts and still reads plain ones', async () => {
    const stored = await encrypted.write(pieces(model, 1000), { maxBytes: 1 << 20, owner: OWNER });
    const plainStore = new FileArtifactStore({ root });
    assert.equal(plainStore.encrypted, false);
    await rejectsWith(() => plainStore.read(locator(stored)), 'MASTER_KEY_REQUIRED', new RegExp(stored.artifactId));
    const plain = await plainStore.write(pieces(model, 1000), { maxBytes: 1 << 20, owner: OWNER });
    assert.equal(plain.envelope, null);
    assert.deepEqual(Buffer.from(await readFile(fileOf(plain))), Buffer.from(model));
    assert.deepEqual(Buffer.from(await encrypted.read(locator(plain))), Buffer.from(model));
    await rejectsWith(() => encrypted.read({ ...locator(plain), envelope: stored.envelope }), 'ARTIFACT_CORRUPT');
  });
});
