import { createDecipheriv } from 'node:crypto';
import { fail } from '../../core/index.js';
import { HEADER_BYTES, TAG_BYTES, chunkAad, chunkLayout, chunkNonce, decodeHeader } from './artifact-format.js';
import type { ArtifactOwner } from './cipher-types.js';
import { unwrapDataKey } from './data-key-envelope.js';
import type { MasterKey } from './master-key.js';
import { assertOwner } from './owner-check.js';

const ADVICE = 'restore the file from a backup or upload the model again.';

/**
 * Decrypts a whole stored artifact into memory. The envelope is checked and unwrapped first; then each chunk's tag is
 * verified before any of its plaintext is copied out (a GCM decipher yields bytes before `final()` checks the tag).
 * ARTIFACT_CORRUPT on a bad header or length, a foreign or altered envelope, or any chunk that fails its tag — which
 * covers flipped bits, swapped, reordered, dropped or appended chunks, another owner or artifact id, and another key.
 * The data key and any partial plaintext are zeroed before returning or throwing.
 *
 * @example const model = openArtifact(master, await readFile(path), row.envelope, owner, row.artifactId);
 */
export function openArtifact(master: MasterKey, stored: Uint8Array, envelope: string, owner: ArtifactOwner, artifactId: string): Uint8Array {
  assertOwner(owner, artifactId);
  const header = decodeHeader(stored);
  if ('problem' in header) return fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} ${header.problem}: ${ADVICE}`);
  const layout = chunkLayout(stored.byteLength, header.chunkSize);
  if (layout === undefined) return fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} has a length no sealed artifact has (it was truncated or extended): ${ADVICE}`);
  const dataKey = unwrapDataKey(envelope, master, owner, artifactId);
  const headerBytes = stored.subarray(0, HEADER_BYTES);
  const plain = Buffer.alloc(layout.plainBytes);
  let written = 0;
  try {
    for (let index = 0; index < layout.count; index++) {
      const { start, end } = layout.bounds(index);
      const decipher = createDecipheriv('aes-256-gcm', dataKey, chunkNonce(index));
      decipher.setAAD(chunkAad(headerBytes, owner, artifactId, index, index === layout.count - 1));
      decipher.setAuthTag(stored.subarray(end - TAG_BYTES, end));
      const chunk = decipher.update(stored.subarray(start, end - TAG_BYTES));
      try {
        decipher.final();
      } catch {
        chunk.fill(0);
        plain.fill(0);
        return fail('ARTIFACT_CORRUPT', `Artifact ${artifactId} fails its integrity check at chunk ${index + 1} of ${layout.count}: the file was damaged, `
          + `truncated, extended or reordered, or belongs to another artifact or model; ${ADVICE}`);
      }
      plain.set(chunk, written);
      written += chunk.byteLength;
      chunk.fill(0);
    }
  } finally {
    dataKey.fill(0);
  }
  return plain;
}
