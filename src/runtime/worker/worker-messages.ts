import type { Tensor, TensorMetadata } from '../../core/index.js';
import type { SessionSettings } from '../inference-backend.js';

/** Messages from the server to a worker process (V8 'advanced' serialization keeps typed arrays intact). */
export type ToWorker =
  | { type: 'load'; model: Uint8Array; settings: SessionSettings; probe: boolean }
  /** `deadline` (Date.now() ms): a run still waiting in the worker past it is skipped, never executed. */
  | { type: 'run'; id: number; inputs: Tensor[]; outputs: string[]; deadline?: number }
  | { type: 'release' };

/** Messages from a worker process back to the server. */
export type FromWorker =
  | { type: 'loaded'; inputs: TensorMetadata[]; outputs: TensorMetadata[]; probeWarning?: string }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; outputs: Tensor[]; computeNs: number }
  | { type: 'run-failed'; id: number; message: string; expired?: boolean }
  | { type: 'released' };
