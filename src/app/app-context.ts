import type { Logger } from '../core/index.js';
import type { ArtifactStore, ModelStore } from '../registry/index.js';
import type { ModelRuntime } from '../runtime/index.js';
import type { AuditLog, KeyStore, TenantStore, UsageMeter } from '../security/index.js';

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
  tenants: TenantStore;
  keys: KeyStore;
  usage: UsageMeter;
  audit: AuditLog;
  /** Master-key operations; undefined when encryption at rest is off. */
  encryption?: EncryptionControl;
  logger: Logger;
  options: Readonly<AppOptions>;
}

/** What the composition root gives the app to rotate the master key (the key material never enters the app). */
export interface EncryptionControl {
  /** Fingerprint of the master key in force. */
  keyId(): string;
  /** Re-wraps one sealed data key from the key in force to `next` (see `rotate`). */
  rewrap(envelope: string, owner: { tenant: string; modelId: number }, artifactId: string): string;
  /**
   * Prepares the next master key (generated and saved beside the current one, or given), runs `apply` — which must
   * re-wrap every envelope with `rewrap` and commit them in one transaction — then makes the next key the one in force.
   */
  rotate(apply: () => void, given?: string): Promise<{ from: string; to: string }>;
}
