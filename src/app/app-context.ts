import type { Logger } from '../core/index.js';
import type { ArtifactStore, ModelStore } from '../registry/index.js';
import type { ModelRuntime } from '../runtime/index.js';
import type { AuditLog, KeyStore, TenantStore, UsageMeter } from '../security/index.js';

/** Limits and defaults the use cases need, taken from the resolved configuration by main.ts. */
export interface AppOptions {
  maxModelBytes: number;
  maxTensorElements: number;
  /** Most bytes of outputs one request may produce. */
  maxOutputBytes: number;
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

/** Master-key operations the composition root gives the app; the key material never enters the app. */
export interface EncryptionControl {
  /** Fingerprint of the master key in force. */
  keyId(): string;
  /** A rotation was interrupted (the next key exists beside the current one): finish it with `rotate`. */
  hasPendingRotation(): boolean;
  /**
   * Brings the next master key into force. `apply` must re-wrap every sealed data key with the `rewrap` it is given
   * and commit them all in one transaction; if it throws, the key in force stays.
   */
  rotate(apply: (rewrap: (envelope: string, owner: { tenant: string; modelId: number }, artifactId: string) => string) => void): Promise<{ from: string; to: string }>;
}
