export { createApp, type TesseraApp } from './tessera-app.js';
export type { AppContext, AppOptions } from './app-context.js';
export type { InferCall, InferOutcome, InferenceEvent, InferenceObserver } from './inference-service.js';
export type { RequestedOutput } from './input-check.js';
export { shapeText } from './input-check.js';
