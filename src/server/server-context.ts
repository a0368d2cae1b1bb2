import type { TesseraApp } from '../app/index.js';
import type { TesseraConfig } from '../config/index.js';
import type { Tracer } from '../core/index.js';
import type { ServerMetrics } from './metrics.js';

/** What the transports need: the use cases (key checks included), the limits, metrics and the readiness flag. */
export interface ServerContext {
  app: TesseraApp;
  config: Readonly<TesseraConfig>;
  metrics: ServerMetrics;
  /** Request spans (server/tracing-hooks.ts); `NO_TRACING` when no collector is configured. */
  tracer: Tracer;
  /** False while starting and once shutdown has begun; readiness answers 503 then. */
  isAcceptingTraffic: () => boolean;
  version: string;
}
