import type { Logger } from '../core/index.js';
import type { ArtifactStore, ModelStore } from '../registry/index.js';
import type { ModelRuntime } from '../runtime/index.js';

/** Limits and defaults the use cases need, taken from the resolved configuration by main.ts. */
export interface AppOptions {
  maxModelBytes: number;
  maxTensorElements: number;
  maxImagePixels: number;
  probeTimeoutMs: number;
  probeMemoryBytes: number;
  instances: number;
  intraOpThreads: number;
  inferTimeoutMs: number;
  maxQueue: number;
  /** CPU cores; with `intraOpThreads` 0 each worker gets cores / instances threads. */
  cores: number;
}

/** Everything the use cases act on; built once by the composition root. */
export interface AppContext {
  store: ModelStore;
  artifacts: ArtifactStore;
  runtime: ModelRuntime;
  logger: Logger;
  options: Readonly<AppOptions>;
}
