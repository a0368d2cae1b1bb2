import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REGISTRY_MIGRATIONS, openDatabase, runMigrations, type SqlDatabase } from '../src/db/index.js';
import { AUDIT_GENESIS, auditCanonical, verifyAuditChain, type AuditRecord } from '../src/protocol/index.js';
import { AuditLog, type AuditEntry } from '../src/security/index.js';

let dir: string;
let counter = 0;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'tessera-audit-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

function freshDb(): SqlDatabase {
  const db = openDatabase(join(dir, `audit-${counter += 1}.db`));
  runMigrations(db, REGISTRY_MIGRATIONS);
  return db;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function entry(i: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    tenant: i % 3 === 0 ? 'beta' : 'acme', actor: `key:k${i % 5}`, action: 'alias.set', target: `acme/mlp:production#${i}`,
    outcome: i % 7 === 0 ? 'refused' : 'ok', requestId: `req-${i}`, details: { from: i, to: i + 1, note: { nested: [i, 'x'] } }, ...overrides,
  };
}

/** A log of `n` records with a clock one second apart, triggers intact. */
function filledLog(n: number): { db: SqlDatabase; audit: AuditLog } {
  const db = freshDb();
  let t = Date.UTC(2025, 0, 1);
  const audit = new AuditLog(db, { now: () => new Date(t += 1000) });
  db.immediate(() => { for (let i = 1; i <= n; i += 1) audit.append(entry(i)); });
  return { db, audit };
}

function dropTriggers(db: SqlDatabase): void {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
}

type Row = Record<string, string | number>;
const readRow = (db: SqlDatabase, seq: number): Row => db.prepare<Row>('SELECT * FROM audit_log WHERE seq = ?').get(seq) as Row;
const COLUMNS = ['seq', 'at', 'tenant', 'actor', 'action', 'target', 'outcome', 'request_id', 'details_json', 'prev_hash', 'hash'];

function insertRow(db: SqlDatabase, row: Row): void {
  db.prepare(`INSERT INTO audit_log (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`).run(...COLUMNS.map((c) => row[c]));
}

function setColumn(db: SqlDatabase, seq: number, column: string, value: string | number): void {
  db.prepare(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`).run(value, seq);
}

function assertFailsAt(audit: AuditLog, seq: number, reason: RegExp): void {
  const result = audit.verify();
  assert.equal(result.ok, false, `expected verify to fail at seq ${seq}`);
  if (result.ok) return;
  assert.equal(result.seq, seq, result.reason);
  assert.match(result.reason, reason);
}

describe('AuditLog', () => {
  it('chains 200 appends that verify', () => {
    const db = freshDb();
    let t = Date.UTC(2025, 0, 1);
    const audit = new AuditLog(db, { now: () => new Date(t += 1000) });
    let last: AuditRecord | undefined;
    for (let i = 1; i <= 200; i += 1) {
      const record = audit.append(entry(i));
      assert.equal(record.seq, i);
      assert.equal(record.prevHash, last?.hash ?? AUDIT_GENESIS);
      assert.match(record.hash, /^[0-9a-f]{64}$/);
      last = record;
    }
    assert.deepEqual(audit.verify(), { ok: true, count: 200, head: last?.hash });
    assert.deepEqual(audit.list({ afterSeq: 199 }), [last]);
    assert.equal(audit.list().length, 100);
    assert.deepEqual(audit.list({ limit: 1000 }).map((r) => r.seq), Array.from({ length: 200 }, (_, i) => i + 1));
    const beta = audit.list({ tenant: 'beta', limit: 5 });
    assert.deepEqual(beta.map((r) => r.seq), [3, 6, 9, 12, 15]);
    assert.deepEqual(beta[0].details, { from: 3, to: 4, note: { nested: [3, 'x'] } });
    assert.equal(beta[0].at, '2025-01-01T00:00:03.000Z');
    assert.deepEqual(verifyAuditChain(audit.list({ limit: 1000 }), sha256Hex), { ok: true, count: 200, head: last?.hash });
    for (const limit of [0, 1001, 1.5]) assert.throws(() => audit.list({ limit }), { code: 'INVALID_PARAMETER' });
    assert.throws(() => audit.list({ afterSeq: -1 }), { code: 'INVALID_PARAMETER' });
    assert.throws(() => audit.append(entry(1, { outcome: 'maybe' as never })), { code: 'INVALID_PARAMETER' });
    db.close();
  });

  it('verifies across pages', () => {
    const { db, audit } = filledLog(1203);
    const result = audit.verify();
    assert.equal(result.ok && result.count, 1203);
    dropTriggers(db);
    setColumn(db, 777, 'actor', 'key:someone-else');
    assertFailsAt(audit, 777, /edited/);
    db.close();
  });

  it('refuses UPDATE and DELETE through its triggers', () => {
    const { db } = filledLog(3);
    assert.throws(() => db.prepare('UPDATE audit_log SET outcome = ? WHERE seq = 2').run('refused'), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 3').run(), /append-only/);
    assert.throws(() => db.exec('DELETE FROM audit_log'), /append-only/);
    assert.equal(db.prepare<{ n: number }>('SELECT count(*) AS n FROM audit_log').get()?.n, 3);
    db.close();
  });

  it('detects an edit of any single field of any one record', () => {
    const { db, audit } = filledLog(200);
    dropTriggers(db);
    const edits: Record<string, (old: string | number) => string | number> = {
      at: () => '2030-01-01T00:00:00.000Z', tenant: () => 'evil', actor: () => 'key:k9', action: () => 'model.delete',
      target: (old) => `${old}x`, outcome: (old) => (old === 'ok' ? 'refused' : 'ok'), request_id: () => 'req-forged',
      details_json: () => '{"from":1,"to":999,"note":{"nested":[1,"x"]}}', prev_hash: () => 'f'.repeat(64), hash: () => 'e'.repeat(64),
    };
    for (const seq of [1, 2, 100, 199, 200]) {
      for (const [column, edit] of Object.entries(edits)) {
        const original = readRow(db, seq)[column];
        setColumn(db, seq, column, edit(original));
        assertFailsAt(audit, seq, column === 'prev_hash' ? /prevHash/ : /edited/);
        setColumn(db, seq, column, original);
      }
      // Renumbering a record breaks the sequence where it was.
      setColumn(db, seq, 'seq', 5000);
      assertFailsAt(audit, seq === 200 ? 5000 : seq + 1, /expected seq/);
      setColumn(db, 5000, 'seq', seq);
    }
    assert.equal(audit.verify().ok, true, 'every edit was undone');
    db.close();
  });

  it('detects a deleted record, first or in the middle, and swapped contents', () => {
    const { db, audit } = filledLog(200);
    dropTriggers(db);
    const middle = readRow(db, 100);
    db.prepare('DELETE FROM audit_log WHERE seq = 100').run();
    assertFailsAt(audit, 101, /expected seq 100/);
    insertRow(db, middle);
    assert.equal(audit.verify().ok, true);

    const first = readRow(db, 1);
    db.prepare('DELETE FROM audit_log WHERE seq = 1').run();
    assertFailsAt(audit, 2, /expected seq 1/);
    insertRow(db, first);

    const a = readRow(db, 30);
    const b = readRow(db, 40);
    for (const column of COLUMNS.filter((c) => c !== 'seq')) {
      setColumn(db, 30, column, b[column]);
      setColumn(db, 40, column, a[column]);
    }
    assertFailsAt(audit, 30, /prevHash/);
    db.close();
  });

  it('neutralises CR/LF and control characters and bounds field sizes', () => {
    const db = freshDb();
    const audit = new AuditLog(db);
    const forged = audit.append(entry(1, {
      target: 'acme/mlp\r\n2025-01-01T00:00:00Z seq=99 action=key.delete outcome=ok',
      actor: 'key:k1\u0000\u001b[31m\u2028x', requestId: 'r\n1', details: { note: 'line1\nline2\r', 'k\ney': 1, when: new Date(0), n: Infinity },
    }));
    assert.equal(forged.target, 'acme/mlp  2025-01-01T00:00:00Z seq=99 action=key.delete outcome=ok');
    assert.equal(forged.actor, 'key:k1  [31m x');
    assert.equal(forged.requestId, 'r 1');
    assert.deepEqual(forged.details, { note: 'line1 line2 ', 'k ey': 1, when: '1970-01-01T00:00:00.000Z', n: null });
    const stored = readRow(db, 1);
    for (const column of ['target', 'actor', 'request_id', 'details_json']) {
      assert.doesNotMatch(String(stored[column]), /[\r\n\u0000-\u001f]/, column);
    }

    const long = audit.append(entry(2, { target: 'x'.repeat(10_000), details: { blob: Array.from({ length: 50 }, (_, i) => `${i}`.repeat(500)) } }));
    assert.equal(long.target.length, 256);
    assert.match(long.target, /…\[truncated\]$/);
    assert.ok(Buffer.byteLength(String(readRow(db, 2).details_json)) <= 4096);
    assert.equal(long.details._truncated, true);
    const emoji = audit.append(entry(3, { target: '😀'.repeat(300), action: 'a\ud800b' }));
    assert.doesNotMatch(emoji.target, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no surrogate pair is cut in half');
    assert.equal(emoji.action, 'a\ufffdb');
    assert.deepEqual(audit.verify(), { ok: true, count: 3, head: emoji.hash });
    db.close();
  });

  it('commits or rolls back with the transaction it is appended in', () => {
    const db = freshDb();
    const audit = new AuditLog(db);
    audit.append(entry(1));
    db.exec('CREATE TABLE things (name TEXT)');
    assert.throws(() => db.immediate(() => {
      db.prepare('INSERT INTO things (name) VALUES (?)').run('half-done');
      audit.append(entry(2));
      throw new Error('the change failed');
    }), /the change failed/);
    assert.equal(db.prepare<{ n: number }>('SELECT count(*) AS n FROM audit_log').get()?.n, 1);
    assert.equal(db.prepare<{ n: number }>('SELECT count(*) AS n FROM things').get()?.n, 0);
    const committed = db.immediate(() => {
      db.prepare('INSERT INTO things (name) VALUES (?)').run('done');
      return audit.append(entry(3));
    });
    assert.equal(committed.seq, 2, 'the rolled-back record left no gap');
    assert.deepEqual(audit.verify(), { ok: true, count: 2, head: committed.hash });
    db.close();
  });
});

describe('verifyAuditChain', () => {
  const chain = (n: number): AuditRecord[] => {
    const records: AuditRecord[] = [];
    for (let seq = 1; seq <= n; seq += 1) {
      const rest = { seq, at: '2025-01-01T00:00:00.000Z', tenant: 'acme', actor: 'key:k1', action: 'a', target: `t${seq}`,
        outcome: 'ok' as const, requestId: `r${seq}`, details: { z: 1, a: [seq] }, prevHash: records[seq - 2]?.hash ?? AUDIT_GENESIS };
      records.push({ ...rest, hash: sha256Hex(rest.prevHash + auditCanonical(rest)) });
    }
    return records;
  };

  it('canonicalizes with sorted keys and no whitespace, ignoring hash', () => {
    const [record] = chain(1);
    const text = auditCanonical(record);
    assert.equal(text, `{"action":"a","actor":"key:k1","at":"2025-01-01T00:00:00.000Z","details":{"a":[1],"z":1},"outcome":"ok","prevHash":"${AUDIT_GENESIS}","requestId":"r1","seq":1,"target":"t1","tenant":"acme"}`);
    const { hash: _hash, ...rest } = record;
    assert.equal(auditCanonical({ ...rest, details: { z: 1, a: [1] } }), auditCanonical({ ...rest, details: { a: [1], z: 1 } }));
  });

  it('catches reordering, removal and edits', () => {
    const records = chain(5);
    assert.deepEqual(verifyAuditChain([], sha256Hex), { ok: true, count: 0, head: AUDIT_GENESIS });
    assert.deepEqual(verifyAuditChain(records, sha256Hex), { ok: true, count: 5, head: records[4].hash });
    const swapped = [records[0], records[2], records[1], records[3], records[4]];
    assert.deepEqual(verifyAuditChain(swapped, sha256Hex), { ok: false, seq: 3, reason: 'expected seq 2, found 3: a record is missing or out of order' });
    assert.equal((verifyAuditChain(records.slice(1), sha256Hex) as { seq: number }).seq, 2);
    const edited = records.map((r) => (r.seq === 4 ? { ...r, details: { ...r.details, z: 2 } } : r));
    assert.equal((verifyAuditChain(edited, sha256Hex) as { seq: number }).seq, 4);
    assert.equal(verifyAuditChain(records.slice(2), sha256Hex, { seq: 2, hash: records[1].hash }).ok, true, 'continues from a head');
  });
});
