import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fail } from '../../core/index.js';
import type { ArtifactOwner } from './cipher-types.js';
import { lengthPrefixed } from './length-prefixed.js';
import type { MasterKey } from './master-key.js';

/*
 * The envelope: an artifact's data key (DEK) wrapped with AES-256-GCM under the master key, kept by the registry as
 * opaque JSON text:
 *
 *   {"v":1,"alg":"A256GCM","kek":"<master key id>","nonce":"<b64, 12 bytes>","tag":"<b64, 16 bytes>","dek":"<b64, 32 bytes>"}
 *
 * The nonce is random; the AAD is lengthPrefixed("tessera-dek", "1", tenant, modelId, artifactId, kek id), so an
 * envelope opens only for the artifact and owner it was made for, and only under the master key it names.
 */

const VERSION = 1;
const ALGORITHM = 'A256GCM';
const FIELDS = ['v', 'alg', 'kek', 'nonce', 'tag', 'dek'] as const;
const KEK_ID = /^[0-9a-f]{16}$/;
/** Length in bytes of a data key (AES-256). */
export const DATA_KEY_BYTES = 32;

interface Envelope {
  kek: string;
  nonce: Buffer;
  tag: Buffer;
  dek: Buffer;
}

/** Wraps `dataKey` under `master` for one artifact; returns the envelope text. */
export function wrapDataKey(dataKey: Buffer, master: MasterKey, owner: ArtifactOwner, artifactId: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, nonce);
  cipher.setAAD(wrapAad(owner, artifactId, master.id));
  const dek = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  const tag = cipher.getAuthTag();
  return JSON.stringify({ v: VERSION, alg: ALGORITHM, kek: master.id, nonce: nonce.toString('base64'), tag: tag.toString('base64'), dek: dek.toString('base64') });
}

/**
 * Unwraps the data key of an envelope with `master`. ARTIFACT_CORRUPT when the envelope is malformed, was sealed
 * with another master key, or fails its tag (altered, or made for another artifact or owner). The caller zeroes the
 * returned key after use.
 */
export function unwrapDataKey(text: string, master: MasterKey, owner: ArtifactOwner, artifactId: string): Buffer {
  const envelope = parseEnvelope(text, artifactId);
  if (envelope.kek !== master.id) {
    fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} was sealed with master key ${envelope.kek}, this server has ${master.id}: `
      + 'start the server with the master key the artifact was sealed with (or rewrap the artifact under the current key).');
  }
  const decipher = createDecipheriv('aes-256-gcm', master.key, envelope.nonce);
  decipher.setAAD(wrapAad(owner, artifactId, envelope.kek));
  decipher.setAuthTag(envelope.tag);
  const dataKey = decipher.update(envelope.dek);
  try {
    decipher.final();
  } catch {
    dataKey.fill(0);
    fail('ARTIFACT_CORRUPT', `The data key of artifact ${artifactId} does not open: its envelope was altered or belongs to another artifact or model; `
      + 'restore the version row from a backup or upload the model again.');
  }
  return dataKey;
}

/**
 * Rewraps an envelope from one master key to another (master-key rotation); the artifact file is not touched, and
 * the data key stays the same. ARTIFACT_CORRUPT as for opening when `from` cannot unwrap it.
 *
 * @example row.envelope = rewrapEnvelope(row.envelope, owner, row.artifactId, oldMaster, newMaster);
 */
export function rewrapEnvelope(envelope: string, owner: ArtifactOwner, artifactId: string, from: MasterKey, to: MasterKey): string {
  const dataKey = unwrapDataKey(envelope, from, owner, artifactId);
  try {
    return wrapDataKey(dataKey, to, owner, artifactId);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The id of the master key an envelope was sealed with, or undefined when the text is not a valid envelope; for
 * rotation jobs and diagnostics (the id is a fingerprint, not a secret).
 *
 * @example if (envelopeKeyId(row.envelope) !== master.id) queueRewrap(row);
 */
export function envelopeKeyId(envelope: string): string | undefined {
  try {
    return parseEnvelope(envelope, '').kek;
  } catch {
    return undefined;
  }
}

/** Parses envelope text strictly: exactly the six fields, with the right version, algorithm, id and byte lengths. */
function parseEnvelope(text: string, artifactId: string): Envelope {
  const refuse = (why: string): never => fail('ARTIFACT_CORRUPT', `The envelope of artifact ${artifactId} ${why}: `
    + 'the version row was altered; restore it from a backup or upload the model again.');
  let value: unknown;
  try {
    value = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    return refuse('is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('is not a JSON object');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== FIELDS.length || !FIELDS.every((field) => keys.includes(field))) return refuse(`does not have exactly the fields ${FIELDS.join(', ')}`);
  if (record.v !== VERSION) return refuse(`has an unsupported version (this server reads version ${VERSION})`);
  if (record.alg !== ALGORITHM) return refuse(`names an unsupported algorithm (this server knows only ${ALGORITHM})`);
  if (typeof record.kek !== 'string' || !KEK_ID.test(record.kek)) return refuse('has an invalid master key id');
  const nonce = strictBase64(record.nonce, 12);
  const tag = strictBase64(record.tag, 16);
  const dek = strictBase64(record.dek, DATA_KEY_BYTES);
  if (nonce === undefined || tag === undefined || dek === undefined) return refuse('has a nonce, tag or wrapped key of the wrong form or length');
  return { kek: record.kek, nonce, tag, dek };
}

/** Decodes canonical padded base64 of exactly `bytes` bytes, or undefined. */
function strictBase64(value: unknown, bytes: number): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const decoded = Buffer.from(value, 'base64');
  return decoded.byteLength === bytes && decoded.toString('base64') === value ? decoded : undefined;
}

function wrapAad(owner: ArtifactOwner, artifactId: string, kekId: string): Buffer {
  return lengthPrefixed(['tessera-dek', String(VERSION), owner.tenant, String(owner.modelId), artifactId, kekId]);
}
