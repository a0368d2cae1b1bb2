import type { RepositoryIndexEntry } from '../protocol/index.js';
import type { ModelRecord } from '../registry/index.js';
import type { AppContext } from './app-context.js';
import type { InferenceService } from './inference-service.js';
import type { ModelService } from './model-service.js';
import { ensureLoaded, runtimeKey } from './version-loader.js';

/**
 * The model repository extension. Versions load on their first request anyway; `load` does it ahead of traffic
 * and `unload` frees the memory of every loaded version of a model (the next request loads it again).
 */
export class RepositoryService {
  constructor(private readonly context: AppContext, private readonly models: ModelService, private readonly inference: InferenceService) {}

  /** The versions of these models (the ones the caller may see). */
  index(models: readonly ModelRecord[], readyOnly: boolean): RepositoryIndexEntry[] {
    const entries: RepositoryIndexEntry[] = [];
    for (const model of models) {
      for (const version of this.context.store.listVersions(model.name)) {
        const status = this.context.runtime.status(runtimeKey(version));
        const entry = indexEntry(model.name, version.version, version.state, version.error, status?.state, status?.reason);
        if (!readyOnly || entry.state === 'READY') entries.push(entry);
      }
    }
    return entries;
  }

  async load(modelName: string): Promise<void> {
    const { model, version } = this.inference.resolve(modelName);
    await ensureLoaded(this.context, model, version);
  }

  async unload(modelName: string): Promise<void> {
    this.models.require(modelName);
    await Promise.all(this.context.store.listVersions(modelName).map((version) => this.context.runtime.unload(runtimeKey(version))));
  }
}

function indexEntry(name: string, version: number, state: string, error: string | null, loaded?: string, reason?: string): RepositoryIndexEntry {
  const base = { name, version: String(version) };
  if (state === 'FAILED') return { ...base, state: 'UNAVAILABLE', reason: error ?? 'validation failed' };
  if (state === 'VALIDATING') return { ...base, state: 'LOADING', reason: 'validating' };
  if (loaded === 'READY') return { ...base, state: 'READY' };
  if (loaded === 'LOADING') return { ...base, state: 'LOADING' };
  return { ...base, state: 'UNAVAILABLE', reason: reason || 'not loaded (loads on first request)' };
}
