import { createHash } from 'node:crypto';
import type { Tensor } from '../core/index.js';
import type { RequestedOutput } from './input-check.js';

/**
 * A model's response cache: answers by key, least recently used evicted first, bounded by the bytes of the cached
 * outputs. Keys (see `responseKey`) include the tenant and the version id, so an answer is never served to another
 * tenant, nor after an alias moved to another version.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { outputs: Tensor[]; bytes: number }>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Tensor[] | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.outputs;
  }

  /** Keeps a copy-free reference to the outputs; answers larger than the whole cache are not kept. */
  set(key: string, outputs: Tensor[]): void {
    const bytes = outputs.reduce((sum, tensor) => sum + tensorBytes(tensor), 0) + key.length;
    if (bytes > this.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.bytes -= previous.bytes;
    }
    this.entries.set(key, { outputs, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}

function tensorBytes(tensor: Tensor): number {
  return Array.isArray(tensor.data) ? tensor.data.reduce((sum, item) => sum + item.byteLength + 4, 0) : tensor.data.byteLength;
}

/**
 * The cache key of a request: SHA-256 over the tenant, the version's server id, every input (name, datatype, shape,
 * bytes, in name order) and the requested outputs with their classification parameter.
 */
export function responseKey(tenant: string, versionId: number, inputs: readonly Tensor[], outputs: readonly RequestedOutput[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([tenant, versionId, outputs.map((output) => [output.name, output.classification ?? null])]));
  for (const tensor of [...inputs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    hash.update(JSON.stringify([tensor.name, tensor.datatype, tensor.shape]));
    if (Array.isArray(tensor.data)) {
      for (const item of tensor.data) hash.update(String(item.byteLength)).update(item);
    } else {
      hash.update(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    }
  }
  return hash.digest('hex');
}

/** One cache per model that asks for one (`runtime.cache`), rebuilt empty when its size setting changes. */
export class ModelCaches {
  private readonly caches = new Map<number, ResponseCache>();

  of(model: { id: number; runtime: { cache?: { maxBytes: number } } }): ResponseCache | undefined {
    const wanted = model.runtime.cache?.maxBytes;
    const current = this.caches.get(model.id);
    if (wanted === undefined) {
      this.caches.delete(model.id);
      return undefined;
    }
    if (current?.maxBytes === wanted) return current;
    const fresh = new ResponseCache(wanted);
    this.caches.set(model.id, fresh);
    return fresh;
  }
}
