export { buildServer } from './build-server.js';
export { createLogger } from './logger.js';
export { ServerMetrics } from './metrics.js';
export { HTTP_STATUS } from './http-status.js';
export type { ServerContext } from './server-context.js';
