import { fail } from '../core/index.js';
import type { ModelRecord, VersionRecord } from '../registry/index.js';
import type { PoolSettings } from '../runtime/index.js';
import type { AppContext } from './app-context.js';

/** The runtime key of a version: its server id, never a client string. */
export function runtimeKey(version: VersionRecord): string {
  return `v${version.id}`;
}

export function poolSettings(context: AppContext, model: ModelRecord): PoolSettings {
  const { options } = context;
  const instances = model.runtime.instances ?? (options.instances > 0 ? options.instances : Math.min(2, options.cores));
  return {
    instances,
    intraOpThreads: model.runtime.intraOpThreads
      ?? (options.intraOpThreads > 0 ? options.intraOpThreads : Math.max(1, Math.floor(options.cores / instances))),
    timeoutMs: model.runtime.timeoutMs ?? options.inferTimeoutMs,
    maxQueue: options.maxQueue,
    pipelineDepth: 2,
  };
}

/**
 * Makes sure a READY version is loaded, loading it on demand (the caller waits). The model bytes are read back from
 * the artifact store with their sha256 checked on every load, including restarts after a crash.
 */
export async function ensureLoaded(context: AppContext, model: ModelRecord, version: VersionRecord): Promise<string> {
  if (version.state !== 'READY' || version.artifactId === null) {
    fail('MODEL_UNAVAILABLE', `Version ${version.version} of model "${version.model}" is ${version.state} and cannot serve requests.`);
  }
  const key = runtimeKey(version);
  if (context.runtime.isReady(key)) return key;
  const artifactId = version.artifactId;
  await context.runtime.load(key, () => context.artifacts.read(artifactId, version.sha256), poolSettings(context, model));
  return key;
}
