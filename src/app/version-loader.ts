import { fail, isServingError, ServingError } from '../core/index.js';
import type { ArtifactLocator, ModelRecord, VersionRecord } from '../registry/index.js';
import type { PoolSettings } from '../runtime/index.js';
import type { AppContext } from './app-context.js';

/** Triton's default max_queue_delay_microseconds is 0; a short wait lets concurrent requests meet. */
const DEFAULT_QUEUE_DELAY_US = 500;

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
    maxQueue: model.runtime.maxQueue ?? options.maxQueue,
    pipelineDepth: 2,
    batching: model.runtime.batching === undefined ? undefined : {
      maxBatchSize: model.runtime.batching.maxBatchSize,
      maxQueueDelayUs: model.runtime.batching.maxQueueDelayUs ?? DEFAULT_QUEUE_DELAY_US,
      preferredBatchSizes: model.runtime.batching.preferredBatchSizes ?? [],
      priorityLevels: model.runtime.batching.priorityLevels ?? 1,
    },
  };
}

export function artifactLocator(model: ModelRecord, version: VersionRecord): ArtifactLocator {
  if (version.artifactId === null) throw new RangeError(`Version ${version.id} has no artifact.`);
  return { artifactId: version.artifactId, sha256: version.sha256, envelope: version.envelope, owner: { tenant: model.tenant, modelId: model.id } };
}

/**
 * Reads a version's model bytes (decrypted in memory when sealed). A failed integrity or decryption check marks
 * the version CORRUPT for good: it is never served again, and the answer says so.
 */
export async function readModelBytes(context: AppContext, model: ModelRecord, version: VersionRecord): Promise<Uint8Array> {
  try {
    return await context.artifacts.read(artifactLocator(model, version));
  } catch (error) {
    if (!isServingError(error) || error.code !== 'ARTIFACT_CORRUPT') throw error;
    context.logger.error({ model: version.model, version: version.version, reason: error.message }, 'version-corrupt');
    context.store.finishVersion(version.model, version.version, { state: 'CORRUPT', error: error.message });
    throw new ServingError('VERSION_CORRUPT', `Version ${version.version} of model "${version.model}" failed its integrity check and will not be served.`);
  }
}

/**
 * Makes sure a READY version is loaded, loading it on demand (the caller waits). The model bytes are read back from
 * the artifact store with their sha256 checked on every load, including restarts after a crash. A version this call
 * loads is pinned (never evicted by the memory budget) when `pinned` (the version policy) or `runtime.pinned` says so.
 */
export async function ensureLoaded(context: AppContext, model: ModelRecord, version: VersionRecord, pinned = false): Promise<string> {
  if (version.state === 'CORRUPT') {
    fail('VERSION_CORRUPT', `Version ${version.version} of model "${version.model}" failed its integrity check and will not be served.`);
  }
  if (version.state !== 'READY' || version.artifactId === null) {
    fail('MODEL_UNAVAILABLE', `Version ${version.version} of model "${version.model}" is ${version.state} and cannot serve requests.`);
  }
  const key = runtimeKey(version);
  if (context.runtime.isReady(key)) {
    context.runtime.touch(key);
    return key;
  }
  // Each (re)start of a worker reads the row again: a master-key rotation may have re-wrapped its data key since.
  const current = (): VersionRecord => context.store.getVersion(version.model, version.version) ?? version;
  await context.runtime.load(key, () => readModelBytes(context, model, current()), poolSettings(context, model), pinned || model.runtime.pinned === true);
  return key;
}
