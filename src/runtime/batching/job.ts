import type { Span, Tensor, TraceContext } from '../../core/index.js';
import type { InferResult } from '../version-pool.js';

/** One request waiting in (or taken from) a version's queue. */
export interface Job {
  inputs: Tensor[];
  outputs: string[];
  /** Rows along the batch dimension (the first dimension of every input). */
  rows: number;
  /** Requests with the same key may share a batch; undefined: this one always runs alone. */
  batchKey: string | undefined;
  /** Fairness lane (the tenant). */
  lane: string;
  /** 1 is the highest. */
  priority: number;
  enqueuedAt: bigint;
  /** Past this (Date.now() ms) the request is answered DEADLINE_EXCEEDED and never run. */
  deadline?: number;
  deadlineTimer?: NodeJS.Timeout;
  trace?: TraceContext;
  queueSpan: Span;
  resolve: (result: InferResult) => void;
  reject: (error: Error) => void;
}
