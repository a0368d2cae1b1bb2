export type { InferenceBackend, BackendSession, SessionSettings } from './inference-backend.js';
export { ModelRuntime, type LoadedStatus } from './model-runtime.js';
export { VersionPool, type PoolSettings, type InferResult, type PoolState } from './version-pool.js';
export { probeModel, type ProbeOptions, type ProbeResult } from './model-probe.js';
export type { RunRequest, RunResult, BatchingPolicy } from './batching/scheduler.js';
