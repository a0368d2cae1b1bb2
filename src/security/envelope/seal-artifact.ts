import { createCipheriv, randomBytes } from 'node:crypto';
import { chunkAad, chunkNonce, encodeHeader } from './artifact-format.js';
import type { ArtifactOwner, ArtifactSealing } from './cipher-types.js';
import { DATA_KEY_BYTES, wrapDataKey } from './data-key-envelope.js';
import type { MasterKey } from './master-key.js';
import { assertOwner } from './owner-check.js';

/**
 * Starts sealing one artifact under a fresh random data key (see artifact-format.ts for the file layout). `update`
 * collects plain bytes and returns each chunk once it is known not to be the last; `final` seals the last chunk
 * (possibly short or empty), wraps the data key under `master` and zeroes the plaintext data key and buffer.
 *
 * @example
 * const sealing = sealArtifact(master, 1 << 20, { tenant: 'default', modelId: 7 }, artifactId);
 * for await (const plain of body) for (const bytes of sealing.update(plain)) await file.write(bytes);
 * const { chunks, envelope } = sealing.final();
 */
export function sealArtifact(master: MasterKey, chunkSize: number, owner: ArtifactOwner, artifactId: string): ArtifactSealing {
  assertOwner(owner, artifactId);
  const bound = { tenant: owner.tenant, modelId: owner.modelId };
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const header = encodeHeader(chunkSize);
  const pending = Buffer.alloc(chunkSize);
  let filled = 0;
  let index = 0;
  let headerWritten = false;
  let finished = false;

  const sealPending = (last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', dataKey, chunkNonce(index));
    cipher.setAAD(chunkAad(header, bound, artifactId, index, last));
    const sealed = Buffer.concat([cipher.update(pending.subarray(0, filled)), cipher.final(), cipher.getAuthTag()]);
    index += 1;
    filled = 0;
    return sealed;
  };
  const withHeader = (chunks: Buffer[]): Buffer[] => {
    if (headerWritten || chunks.length === 0) return chunks;
    headerWritten = true;
    return [Buffer.from(header), ...chunks];
  };
  const assertOpen = (): void => {
    if (finished) throw new Error('This artifact sealing has already been finished.');
  };

  return {
    update(plain: Uint8Array): Uint8Array[] {
      assertOpen();
      const sealed: Buffer[] = [];
      let offset = 0;
      while (offset < plain.byteLength) {
        if (filled === chunkSize) sealed.push(sealPending(false));
        const take = Math.min(chunkSize - filled, plain.byteLength - offset);
        pending.set(plain.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
      }
      return withHeader(sealed);
    },
    final(): { chunks: Uint8Array[]; envelope: string } {
      assertOpen();
      finished = true;
      try {
        const chunks = withHeader([sealPending(true)]);
        return { chunks, envelope: wrapDataKey(dataKey, master, bound, artifactId) };
      } finally {
        dataKey.fill(0);
        pending.fill(0);
      }
    },
  };
}
