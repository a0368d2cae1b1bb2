import type { Tensor, TensorMetadata } from '../core/index.js';

/** Session settings a backend honours. */
export interface SessionSettings {
  /** Threads for one operator (onnxruntime intra-op); 0 lets the backend choose. */
  intraOpThreads: number;
}

/** One loaded model ready to run. Implementations block their own thread while running, never the server's. */
export interface BackendSession {
  readonly inputs: TensorMetadata[];
  readonly outputs: TensorMetadata[];
  /** Runs the model; `outputNames` empty means every output. */
  run(inputs: readonly Tensor[], outputNames: readonly string[]): Promise<Tensor[]>;
  release(): Promise<void>;
}

/**
 * An inference engine (onnxruntime-common's `Backend` in spirit). The server never calls it directly: it runs inside
 * an isolated worker process (see `worker/`).
 */
export interface InferenceBackend {
  readonly name: string;
  createSession(model: Uint8Array, settings: SessionSettings): Promise<BackendSession>;
}
