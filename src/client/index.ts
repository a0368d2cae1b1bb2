/**
 * `tessera/client`: the TypeScript SDK of a tessera server (fetch-based, browser-safe).
 *
 * @example
 * import { TesseraClient, isTesseraError } from 'tessera/client';
 * const client = new TesseraClient({ url: 'http://127.0.0.1:8080', key: 'tsk_…' });
 * console.log(await client.listModels());
 */
export { TesseraClient, type ImagePrediction } from './tessera-client.js';
export type { ImageSource } from './image-source.js';
export type { AuditApi, EncryptionApi, KeysApi, TenantsApi } from './security-api.js';
export type {
  AuditListQuery, CreateKeyRequest, CreateTenantRequest, EncryptionStatus, MasterKeyRotation, RotateKeyOptions,
  UsageGroup, UsageQuery, UsageReport,
} from './security-types.js';
export { TesseraError, isTesseraError, type TesseraErrorCode } from './tessera-error.js';
export { encodeInferRequest, decodeInferResponse, type EncodedInferRequest } from './infer-codec.js';
export { PreparedInfer, type InferAttempt } from './prepared-infer.js';
export type {
  AliasChangeOptions, CallOptions, InferOptions, InferOutput, InferResult, InferTensor, PushOptions, RequestedOutput,
  TesseraClientOptions, UploadBody,
} from './types.js';
export type {
  AliasHistoryEntry, AliasInfo, RollbackAliasRequest, SetAliasRequest, CreateModelRequest, Datatype, ErrorBody, ErrorCode, InferRequest, InferResponse,
  ModelInfo, ModelMetadata, ModelStatistics, Parameters, RepositoryIndexEntry, ServerMetadata, TensorData,
  TensorMetadata, UpdateModelRequest, VersionInfo, VersionState, TrafficRoute, TrafficSplit,
  AuditChainResult, AuditRecord, CreatedKey, KeyInfo, Limits, Scope, TenantInfo, UsageRow, Visibility,
} from '../protocol/index.js';
export { SCOPES, verifyAuditChain, MODEL_VERSION_HEADER } from '../protocol/index.js';
