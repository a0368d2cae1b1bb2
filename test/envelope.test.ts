import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  createArtifactCipher, envelopeKeyId, generateMasterKeyText, masterKeyFromBytes, parseMasterKey, rewrapEnvelope, type MasterKey,
} from '../src/security/index.js';

const CHUNK = 64;
const RECORD = CHUNK + 16;
const HEADER = 16;
const OWNER = { tenant: 'default', modelId: 1 };
const ID = '0123456789abcdef0123456789abcdef';
const OTHER_ID = 'fedcba9876543210fedcba9876543210';

const newMaster = (): MasterKey => parseMasterKey(generateMasterKeyText());
const master = newMaster();
const cipher = createArtifactCipher(master, { chunkSize: CHUNK });

/** Seals `plain` by feeding it in pieces of `piece` bytes; returns the file bytes and the envelope. */
function seal(plain: Uint8Array, options: { id?: string; owner?: typeof OWNER; piece?: number; using?: typeof cipher } = {}): { file: Buffer; envelope: string } {
  const sealing = (options.using ?? cipher).seal(options.owner ?? OWNER, options.id ?? ID);
  const out: Uint8Array[] = [];
  const piece = options.piece ?? 7;
  for (let offset = 0; offset < plain.byteLength; offset += piece) out.push(...sealing.update(plain.subarray(offset, offset + piece)));
  const { chunks, envelope } = sealing.final();
  out.push(...chunks);
  return { file: Buffer.concat(out), envelope };
}

function corrupt(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (error: { code?: string; message: string }) => {
    assert.equal(error.code, 'ARTIFACT_CORRUPT', error.message);
    if (message) assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\//, 'no paths in messages');
    return true;
  });
}

const bytes = (n: number) => randomBytes(n);
/** Sealed chunk `i` of a file as [start, end). */
const chunkRange = (i: number, fileLength: number): [number, number] => [HEADER + i * RECORD, Math.min(HEADER + (i + 1) * RECORD, fileLength)];

describe('artifact cipher round trip', () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3]) {
    it(`round-trips ${size} bytes`, () => {
      const plain = bytes(size);
      for (const piece of [1, 7, CHUNK, 1000]) {
        const { file, envelope } = seal(plain, { piece });
        const chunks = Math.max(1, Math.ceil(size / CHUNK));
        assert.equal(file.byteLength, HEADER + size + 16 * chunks, `size ${size} piece ${piece}`);
        assert.deepEqual(Buffer.from(cipher.open(file, envelope, OWNER, ID)), plain);
      }
    });
  }

  it('writes the header first, then whole chunks only, and the rest on final', () => {
    const sealing = cipher.seal(OWNER, ID);
    assert.deepEqual(sealing.update(bytes(CHUNK)), []);
    const first = sealing.update(bytes(1));
    assert.equal(first.length, 2);
    assert.deepEqual(Buffer.from(first[0]), Buffer.from([0x54, 0x53, 0x52, 0x41, 1, 1, 0, 0, 0, 0, 0, CHUNK, 0, 0, 0, 0]));
    assert.equal(first[1].byteLength, RECORD);
    const { chunks, envelope } = sealing.final();
    assert.deepEqual(chunks.map((c) => c.byteLength), [1 + 16]);
    assert.throws(() => sealing.update(bytes(1)), /finished/);
    const parsed = JSON.parse(envelope) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['v', 'alg', 'kek', 'nonce', 'tag', 'dek']);
    assert.equal(parsed.v, 1);
    assert.equal(parsed.alg, 'A256GCM');
    assert.equal(parsed.kek, master.id);
    assert.equal(envelopeKeyId(envelope), master.id);
    assert.equal(envelopeKeyId('not json'), undefined);
  });

  it('uses a fresh data key per artifact', () => {
    const plain = bytes(100);
    const a = seal(plain);
    const b = seal(plain);
    assert.notDeepEqual(a.file.subarray(HEADER), b.file.subarray(HEADER));
    assert.notEqual(JSON.parse(a.envelope).dek, JSON.parse(b.envelope).dek);
  });

  it('reads files with the chunk size in their header, whatever the cipher was made with', () => {
    const plain = bytes(1000);
    const { file, envelope } = seal(plain);
    assert.deepEqual(Buffer.from(createArtifactCipher(master).open(file, envelope, OWNER, ID)), plain);
  });

  it('refuses bad options and hand-made master keys', () => {
    assert.throws(() => createArtifactCipher(master, { chunkSize: 0 }), RangeError);
    assert.throws(() => createArtifactCipher(master, { chunkSize: 1.5 }), RangeError);
    assert.throws(() => createArtifactCipher({ id: '0000000000000000', key: master.key }), /fingerprint/);
    assert.throws(() => createArtifactCipher({ id: master.id, key: Buffer.alloc(16) }));
  });
});

describe('artifact cipher tampering (B37)', () => {
  const plain = bytes(5 * CHUNK + 3); // 6 chunks, the last one short
  const { file, envelope } = seal(plain);
  const count = 6;
  const open = (stored: Uint8Array, env = envelope, owner = OWNER, id = ID) => cipher.open(stored, env, owner, id);

  it('has the expected layout', () => {
    assert.equal(file.byteLength, HEADER + 5 * RECORD + 3 + 16);
    assert.deepEqual(Buffer.from(open(file)), plain);
  });

  it('refuses a flipped bit in the header', () => {
    for (let at = 0; at < HEADER; at++) {
      const damaged = Buffer.from(file);
      damaged[at] ^= 0x80;
      corrupt(() => open(damaged), new RegExp(ID));
    }
  });

  it('refuses a flipped bit in the ciphertext or the tag of any chunk', () => {
    for (let i = 0; i < count; i++) {
      const [start, end] = chunkRange(i, file.byteLength);
      for (const at of [start, start + 1, end - 17, end - 16, end - 1]) {
        const damaged = Buffer.from(file);
        damaged[at] ^= 0x01;
        corrupt(() => open(damaged), new RegExp(`chunk ${i + 1} of ${count}`));
      }
    }
  });

  it('refuses two chunks swapped', () => {
    const [a0, a1] = chunkRange(1, file.byteLength);
    const [b0, b1] = chunkRange(3, file.byteLength);
    const swapped = Buffer.concat([file.subarray(0, a0), file.subarray(b0, b1), file.subarray(a1, b0), file.subarray(a0, a1), file.subarray(b1)]);
    assert.equal(swapped.byteLength, file.byteLength);
    corrupt(() => open(swapped));
  });

  it('refuses a file whose last chunk was removed, at a chunk boundary or not', () => {
    const [lastStart] = chunkRange(count - 1, file.byteLength);
    corrupt(() => open(file.subarray(0, lastStart)), /chunk 5 of 5/);
    corrupt(() => open(file.subarray(0, file.byteLength - 1)));
    corrupt(() => open(file.subarray(0, HEADER)));
    corrupt(() => open(file.subarray(0, 10)));
    corrupt(() => open(new Uint8Array(0)));
  });

  it('refuses a file with a chunk appended', () => {
    const full = seal(bytes(2 * CHUNK)); // its last chunk is full
    const [s0, s1] = chunkRange(0, full.file.byteLength);
    corrupt(() => open(Buffer.concat([full.file, full.file.subarray(s0, s1)]), full.envelope));
    corrupt(() => open(Buffer.concat([file, randomBytes(16)])));
    corrupt(() => open(Buffer.concat([file, file.subarray(...chunkRange(count - 1, file.byteLength))])));
    const exact = seal(bytes(CHUNK));
    corrupt(() => open(Buffer.concat([exact.file, randomBytes(16)]), exact.envelope));
  });

  it('refuses another master key', () => {
    const other = createArtifactCipher(newMaster(), { chunkSize: CHUNK });
    corrupt(() => other.open(file, envelope, OWNER, ID), /sealed with master key [0-9a-f]{16}, this server has [0-9a-f]{16}/);
  });

  it('refuses another tenant, model or artifact id', () => {
    corrupt(() => open(file, envelope, { tenant: 'acme', modelId: 1 }));
    corrupt(() => open(file, envelope, { tenant: 'default', modelId: 2 }));
    corrupt(() => open(file, envelope, OWNER, OTHER_ID));
  });

  it('refuses chunks sealed for another owner even with a rewrapped envelope', () => {
    const acme = { tenant: 'acme', modelId: 1 };
    const forged = rewrapEnvelope(envelope, OWNER, ID, master, master); // a valid envelope for OWNER only
    corrupt(() => open(file, forged, acme));
  });

  it('refuses envelopes swapped between two artifacts, and swapped files', () => {
    const other = seal(bytes(5 * CHUNK + 3), { id: OTHER_ID });
    corrupt(() => open(file, other.envelope, OWNER, ID));
    corrupt(() => open(other.file, envelope, OWNER, OTHER_ID));
    corrupt(() => open(other.file, envelope, OWNER, ID));
    const sameId = seal(bytes(5 * CHUNK + 3)); // same owner and id, different data key
    corrupt(() => open(sameId.file, envelope));
    corrupt(() => open(file, sameId.envelope));
  });

  it('refuses malformed envelopes', () => {
    const parsed = JSON.parse(envelope) as Record<string, unknown>;
    const variants = [
      'not json', 'null', '[]', '{}', JSON.stringify({ ...parsed, extra: 1 }), JSON.stringify({ ...parsed, v: 2 }),
      JSON.stringify({ ...parsed, alg: 'A128GCM' }), JSON.stringify({ ...parsed, kek: 'XYZ' }),
      JSON.stringify({ ...parsed, nonce: Buffer.alloc(11).toString('base64') }), JSON.stringify({ ...parsed, tag: 'a' }),
      JSON.stringify({ ...parsed, dek: Buffer.alloc(31).toString('base64') }),
      JSON.stringify({ ...parsed, tag: Buffer.from(String(parsed.tag), 'base64').fill(0).toString('base64') }),
    ];
    for (const text of variants) corrupt(() => open(file, text));
  });
});

describe('master keys', () => {
  it('rewraps to a new key: the new key opens, the old does not, the file is unchanged', () => {
    const plain = bytes(3 * CHUNK + 5);
    const { file, envelope } = seal(plain);
    const next = newMaster();
    const rewrapped = rewrapEnvelope(envelope, OWNER, ID, master, next);
    assert.equal(envelopeKeyId(rewrapped), next.id);
    assert.notEqual(next.id, master.id);
    assert.deepEqual(Buffer.from(createArtifactCipher(next).open(file, rewrapped, OWNER, ID)), plain);
    corrupt(() => cipher.open(file, rewrapped, OWNER, ID), new RegExp(`sealed with master key ${next.id}, this server has ${master.id}`));
    corrupt(() => rewrapEnvelope(envelope, OWNER, OTHER_ID, master, next));
    corrupt(() => rewrapEnvelope(envelope, OWNER, ID, next, master));
  });

  it('parses hex, base64 and base64url keys to the same key and id', () => {
    const raw = randomBytes(32);
    const fromHex = parseMasterKey(raw.toString('hex'));
    assert.deepEqual(fromHex.key, raw);
    assert.equal(fromHex.id, createHash('sha256').update('tessera-kek-id').update(raw).digest('hex').slice(0, 16));
    for (const text of [raw.toString('hex').toUpperCase(), raw.toString('base64'), raw.toString('base64url'), `  ${raw.toString('base64')}\n`,
      raw.toString('base64').replace(/=$/, ''), `${raw.toString('base64url')}=`]) {
      const parsed = parseMasterKey(text);
      assert.deepEqual(parsed.key, raw);
      assert.equal(parsed.id, fromHex.id);
    }
    assert.deepEqual(masterKeyFromBytes(raw), fromHex);
    assert.match(generateMasterKeyText(), /^[A-Za-z0-9+/]{43}=$/);
  });

  it('refuses other lengths and forms without echoing the input', () => {
    const secretish = randomBytes(48);
    const refused = [
      '', '   ', randomBytes(31).toString('hex'), randomBytes(33).toString('hex'), randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'), secretish.toString('base64'), `${randomBytes(32).toString('hex').slice(0, 63)}g`,
      `${randomBytes(32).toString('base64').slice(0, 42)}!=`, randomBytes(32).toString('base64').replace(/=$/, '==='),
      // base64 with non-zero spare bits in the last character (not canonical)
      `${randomBytes(32).toString('base64').slice(0, 42)}B=`,
    ];
    for (const text of refused) {
      assert.throws(() => parseMasterKey(text), (error: Error) => {
        assert.ok(!(error as { code?: unknown }).code, 'a plain Error');
        if (text.trim().length > 0) assert.ok(!error.message.includes(text.trim()), 'the key is not echoed');
        for (let i = 0; i + 8 <= text.length; i += 8) assert.ok(!error.message.includes(text.slice(i, i + 8)), 'no part of the key is echoed');
        return true;
      });
    }
  });
});
