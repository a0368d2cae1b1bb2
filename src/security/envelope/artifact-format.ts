import { lengthPrefixed } from './length-prefixed.js';
import type { ArtifactOwner } from './cipher-types.js';

/*
 * Encrypted artifact file, format version 1:
 *
 *   header (16 bytes)  "TSRA" | version u8 = 1 | algorithm u8 = 1 (AES-256-GCM) | 2 zero bytes
 *                      | plain chunk size u32 BE | 4 zero bytes
 *   chunk 0 … n-1      ciphertext of `chunk size` plain bytes (the last: 0 … chunk size) | 16-byte GCM tag
 *
 * Every chunk but the last is full, and there is always at least one chunk (a 0-byte model is one empty final chunk).
 * Each chunk is sealed with the artifact's own data key, nonce = 4 zero bytes | chunk index u64 BE (safe because the
 * data key is fresh per artifact), and AAD = header ‖ lengthPrefixed("tessera-artifact", "1", tenant, modelId,
 * artifactId, chunkIndex, last ? "1" : "0"). The AAD binds every chunk to its owner, artifact, position and to being
 * (or not being) the last one, so swapped, reordered, dropped or appended chunks fail their tag.
 */

export const MAGIC = Buffer.from('TSRA', 'latin1');
export const FORMAT_VERSION = 1;
export const ALGORITHM_AES_256_GCM = 1;
export const HEADER_BYTES = 16;
export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;
/** Largest chunk size the cipher writes or accepts (64 MiB): bounds the plaintext held while sealing one chunk. */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;

/** The 16-byte header of an artifact sealed in chunks of `chunkSize` plain bytes. */
export function encodeHeader(chunkSize: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(FORMAT_VERSION, 4);
  header.writeUInt8(ALGORITHM_AES_256_GCM, 5);
  header.writeUInt32BE(chunkSize, 8);
  return header;
}

/** Why a header was refused, or its chunk size. Pure: the caller turns a refusal into its own error. */
export function decodeHeader(stored: Uint8Array): { chunkSize: number } | { problem: string } {
  if (stored.byteLength < HEADER_BYTES) return { problem: 'is shorter than the encrypted-artifact header' };
  const header = Buffer.from(stored.buffer, stored.byteOffset, HEADER_BYTES);
  if (!header.subarray(0, 4).equals(MAGIC)) return { problem: 'does not start with the encrypted-artifact magic "TSRA"' };
  if (header[4] !== FORMAT_VERSION) return { problem: `has format version ${header[4]}, this server reads version ${FORMAT_VERSION}` };
  if (header[5] !== ALGORITHM_AES_256_GCM) return { problem: `names algorithm ${header[5]}, this server knows only 1 (AES-256-GCM)` };
  if (header[6] !== 0 || header[7] !== 0 || header.readUInt32BE(12) !== 0) return { problem: 'has non-zero reserved header bytes' };
  const chunkSize = header.readUInt32BE(8);
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) return { problem: `declares an invalid chunk size ${chunkSize}` };
  return { chunkSize };
}

/** The nonce of chunk `index`: 4 zero bytes, then the index as u64 big endian. */
export function chunkNonce(index: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

/** The AAD of chunk `index`: the header bytes, then the length-prefixed owner, artifact id, index and last flag. */
export function chunkAad(header: Uint8Array, owner: ArtifactOwner, artifactId: string, index: number, last: boolean): Buffer {
  const fields = lengthPrefixed(['tessera-artifact', String(FORMAT_VERSION), owner.tenant, String(owner.modelId), artifactId, String(index), last ? '1' : '0']);
  return Buffer.concat([header, fields]);
}

/** How a stored file of `storedBytes` splits into chunks of `chunkSize` plain bytes (each followed by its tag). */
export interface ChunkLayout {
  count: number;
  plainBytes: number;
  /** Byte range of the sealed chunk `index` (ciphertext and tag) within the stored file. */
  bounds(index: number): { start: number; end: number };
}

/**
 * The chunk layout of a stored file, or undefined when its length is impossible: the body after the header is split
 * into records of `chunkSize + 16` bytes, and the last record must hold at least a tag.
 */
export function chunkLayout(storedBytes: number, chunkSize: number): ChunkLayout | undefined {
  const body = storedBytes - HEADER_BYTES;
  const record = chunkSize + TAG_BYTES;
  if (body < TAG_BYTES) return undefined;
  const count = Math.ceil(body / record);
  if (body - (count - 1) * record < TAG_BYTES) return undefined;
  return {
    count,
    plainBytes: body - count * TAG_BYTES,
    bounds: (index) => {
      const start = HEADER_BYTES + index * record;
      return { start, end: Math.min(start + record, storedBytes) };
    },
  };
}
