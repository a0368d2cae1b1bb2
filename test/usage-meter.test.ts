import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { REGISTRY_MIGRATIONS, openDatabase, runMigrations, type SqlDatabase } from '../src/db/index.js';
import type { UsageRow } from '../src/protocol/index.js';
import { UsageMeter, toCsv, type UsageEntry } from '../src/security/index.js';

let dir: string;
let counter = 0;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'tessera-usage-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

function freshDb(): SqlDatabase {
  const db = openDatabase(join(dir, `usage-${counter += 1}.db`));
  runMigrations(db, REGISTRY_MIGRATIONS);
  return db;
}

function entry(overrides: Partial<UsageEntry> = {}): UsageEntry {
  return { tenant: 'acme', keyId: 'k1', model: 'acme/mlp', version: 1, ok: true, bytesIn: 100, bytesOut: 10, queueMs: 0.5, computeMs: 2, ...overrides };
}

/** Records a fixed traffic pattern over two days (31 March and 1 April 2025, UTC). */
function recordTraffic(meter: UsageMeter, clock: { at: Date }): void {
  clock.at = new Date('2025-03-31T23:59:59.000Z');
  meter.record(entry());
  meter.record(entry({ ok: false, computeMs: 0 }));
  meter.record(entry({ keyId: 'k2', model: 'acme/cnn', version: 2, bytesIn: 1000, computeMs: 30 }));
  meter.record(entry({ tenant: 'beta', keyId: 'k3', model: 'beta/mlp', computeMs: 5 }));
  clock.at = new Date('2025-04-01T00:00:00.000Z');
  meter.record(entry({ computeMs: 4 }));
  meter.record(entry({ version: 2, computeMs: 1 }));
}

function tableTotals(db: SqlDatabase): { requests: number; computeMs: number } {
  return db.prepare<{ requests: number; computeMs: number }>('SELECT SUM(requests) AS requests, SUM(compute_ms) AS computeMs FROM usage_daily').get() as { requests: number; computeMs: number };
}

const metrics = (requests: number, errors: number, bytesIn: number, bytesOut: number, queueMs: number, computeMs: number) =>
  ({ requests, errors, bytesIn, bytesOut, queueMs, computeMs });

describe('UsageMeter', () => {
  it('groups by day, model and key, with pending and flushed deltas alike', () => {
    const db = freshDb();
    const clock = { at: new Date() };
    const meter = new UsageMeter(db, { now: () => clock.at });
    recordTraffic(meter, clock);
    const byDay: UsageRow[] = [
      { day: '2025-03-31', ...metrics(4, 1, 1300, 40, 2, 37) },
      { day: '2025-04-01', ...metrics(2, 0, 200, 20, 1, 5) },
    ];
    assert.deepEqual(meter.query({ groupBy: ['day'] }), byDay, 'pending deltas are answered before any flush');
    assert.equal(meter.pendingCells, 5);
    meter.flush();
    assert.equal(meter.pendingCells, 0);
    assert.deepEqual(meter.query({ groupBy: ['day'] }), byDay);
    assert.deepEqual(meter.query({ groupBy: ['model'] }), [
      { model: 'acme/cnn', ...metrics(1, 0, 1000, 10, 0.5, 30) },
      { model: 'acme/mlp', ...metrics(4, 1, 400, 40, 2, 7) },
      { model: 'beta/mlp', ...metrics(1, 0, 100, 10, 0.5, 5) },
    ]);
    assert.deepEqual(meter.query({ groupBy: ['key'], tenant: 'acme' }), [
      { keyId: 'k1', ...metrics(4, 1, 400, 40, 2, 7) },
      { keyId: 'k2', ...metrics(1, 0, 1000, 10, 0.5, 30) },
    ]);
    assert.deepEqual(meter.query({ groupBy: ['month', 'tenant'] }).map((r) => [r.month, r.tenant, r.requests]),
      [['2025-03', 'acme', 3], ['2025-03', 'beta', 1], ['2025-04', 'acme', 2]]);
    assert.deepEqual(meter.query({ groupBy: ['model', 'version'], from: '2025-04-01', to: '2025-04-01' }).map((r) => [r.model, r.version, r.requests]),
      [['acme/mlp', 1, 1], ['acme/mlp', 2, 1]]);
    assert.deepEqual(meter.query({ groupBy: [] }), [metrics(6, 1, 1500, 60, 3, 42)]);
    assert.deepEqual(meter.query({ groupBy: ['day'], from: '2025-05-01' }), []);

    // A mix of stored and pending values for the same cell adds up.
    meter.record(entry({ computeMs: 10 }));
    assert.deepEqual(meter.query({ groupBy: ['day'], to: '2025-04-30' })[1], { day: '2025-04-01', ...metrics(3, 0, 300, 30, 1.5, 15) });
    db.close();
  });

  it('keeps the values across closing and reopening the database', () => {
    const db = freshDb();
    const clock = { at: new Date() };
    const meter = new UsageMeter(db, { now: () => clock.at });
    recordTraffic(meter, clock);
    const expected = meter.query({ groupBy: ['day', 'tenant', 'key', 'model', 'version'] });
    meter.stop();
    db.close();
    const reopened = openDatabase(db.file);
    const again = new UsageMeter(reopened, { now: () => clock.at });
    assert.deepEqual(again.query({ groupBy: ['day', 'tenant', 'key', 'model', 'version'] }), expected);
    reopened.close();
  });

  it('writes nothing more on a second flush', () => {
    const db = freshDb();
    const clock = { at: new Date() };
    const meter = new UsageMeter(db, { now: () => clock.at });
    recordTraffic(meter, clock);
    meter.flush();
    const once = tableTotals(db);
    assert.deepEqual(once, { requests: 6, computeMs: 42 });
    meter.flush();
    meter.flush();
    assert.deepEqual(tableTotals(db), once);
    assert.equal(meter.query({ groupBy: [] })[0].requests, 6);
    db.close();
  });

  it('keeps the deltas of a failed flush and writes them exactly once later', () => {
    const db = freshDb();
    const clock = { at: new Date() };
    const meter = new UsageMeter(db, { now: () => clock.at });
    recordTraffic(meter, clock);

    db.exec('ALTER TABLE usage_daily RENAME TO usage_daily_away');
    assert.throws(() => meter.flush(), /usage_daily/);
    assert.equal(meter.pendingCells, 5);
    db.exec('ALTER TABLE usage_daily_away RENAME TO usage_daily');

    // A failure in the middle of the batch rolls back the cells already written.
    db.exec(`CREATE TRIGGER poison BEFORE INSERT ON usage_daily WHEN NEW.tenant = 'beta' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    assert.throws(() => meter.flush(), /disk on fire/);
    assert.equal(meter.pendingCells, 5);
    assert.equal(db.prepare<{ n: number }>('SELECT count(*) AS n FROM usage_daily').get()?.n, 0, 'nothing of the failed batch was written');
    db.exec('DROP TRIGGER poison');

    meter.flush();
    meter.flush();
    assert.deepEqual(tableTotals(db), { requests: 6, computeMs: 42 });
    assert.equal(meter.pendingCells, 0);
    db.close();
  });

  it('keeps the deltas when the database is closed under it', () => {
    const db = freshDb();
    const meter = new UsageMeter(db);
    meter.record(entry());
    db.close();
    assert.throws(() => meter.flush());
    assert.equal(meter.pendingCells, 1);
  });

  it('refuses to flush inside another transaction', () => {
    const db = freshDb();
    const meter = new UsageMeter(db);
    meter.record(entry());
    assert.throws(() => db.immediate(() => meter.flush()), /inside another transaction/);
    assert.equal(meter.pendingCells, 1);
    db.close();
  });

  it('flushes on a timer and on stop', async () => {
    const db = freshDb();
    const errors: unknown[] = [];
    const meter = new UsageMeter(db, { onFlushError: (error) => errors.push(error) });
    meter.start(5);
    meter.record(entry());
    await sleep(60);
    assert.equal(meter.pendingCells, 0);
    meter.record(entry());
    meter.stop();
    assert.equal(tableTotals(db).requests, 2);
    assert.deepEqual(errors, []);
    db.close();
  });

  it('totals a month per key and per tenant for seeding the limits', () => {
    const db = freshDb();
    const clock = { at: new Date() };
    const meter = new UsageMeter(db, { now: () => clock.at });
    recordTraffic(meter, clock);
    meter.flush();
    clock.at = new Date('2025-03-15T10:00:00Z');
    meter.record(entry({ computeMs: 100 }));
    assert.deepEqual(meter.monthTotals('2025-03'), [
      { subjectId: 'key:k1', requests: 3, computeMs: 102 },
      { subjectId: 'key:k2', requests: 1, computeMs: 30 },
      { subjectId: 'key:k3', requests: 1, computeMs: 5 },
      { subjectId: 'tenant:acme', requests: 4, computeMs: 132 },
      { subjectId: 'tenant:beta', requests: 1, computeMs: 5 },
    ]);
    assert.deepEqual(meter.monthTotals('2025-04').map((t) => t.subjectId), ['key:k1', 'tenant:acme']);
    assert.deepEqual(meter.monthTotals('2025-02'), []);
    assert.throws(() => meter.monthTotals('2025-3'), { code: 'INVALID_PARAMETER' });
    db.close();
  });

  it('validates queries strictly', () => {
    const db = freshDb();
    const meter = new UsageMeter(db);
    const bad = [
      { from: '2025-02-30', groupBy: [] }, { to: '2025-1-01', groupBy: [] }, { from: '2025-01-01T00:00:00Z', groupBy: [] },
      { from: '2025-02-01', to: '2025-01-31', groupBy: [] }, { tenant: 'Bad Tenant', groupBy: [] },
      { groupBy: ['nope'] }, { groupBy: ['day', 'day'] }, { groupBy: 'day' }, { tenant: "x' OR 1=1 --", groupBy: [] },
    ];
    for (const query of bad) {
      assert.throws(() => meter.query(query as never), { code: 'INVALID_PARAMETER' }, JSON.stringify(query));
    }
    assert.deepEqual(meter.query({ from: '2024-02-29', to: '2024-02-29', tenant: 'acme', groupBy: ['day'] }), []);
    db.close();
  });
});

describe('toCsv', () => {
  it('writes a header and RFC 4180 quoting', () => {
    const rows: UsageRow[] = [
      { day: '2025-03-31', model: 'acme/mlp', ...metrics(4, 1, 400, 40, 2, 7.25) },
      { day: '2025-04-01', model: 'a "quoted", model\r\nnext', ...metrics(1, 0, 0, 0, 0, 0) },
    ];
    assert.equal(toCsv(rows, ['day', 'model']),
      'day,model,requests,errors,bytesIn,bytesOut,queueMs,computeMs\r\n'
      + '2025-03-31,acme/mlp,4,1,400,40,2,7.25\r\n'
      + '2025-04-01,"a ""quoted"", model\r\nnext",1,0,0,0,0,0\r\n');
    assert.equal(toCsv([], []), 'requests,errors,bytesIn,bytesOut,queueMs,computeMs\r\n');
    assert.equal(toCsv([{ keyId: 'k1', version: 3, ...metrics(1, 0, 0, 0, 0, 0) }], ['key', 'version']).split('\r\n')[1], 'k1,3,1,0,0,0,0,0');
    assert.throws(() => toCsv(rows, ['bogus' as never]), { code: 'INVALID_PARAMETER' });
  });

  it('guards against formula injection', () => {
    const models = ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', 'safe=ok'];
    const csv = toCsv(models.map((model) => ({ model, ...metrics(1, 0, 0, 0, 0, 0) })), ['model']);
    assert.deepEqual(csv.split('\r\n').slice(1, -1).map((line) => line.slice(0, line.lastIndexOf(',1,0,0,0,0,0'))), [
      '"\'=HYPERLINK(""http://x"")"', "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTAB", 'safe=ok',
    ]);
  });
});
