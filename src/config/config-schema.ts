/** Every setting of a tessera server, its flag, environment variable, default and check. */
export interface TesseraConfig {
  host: string;
  port: number;
  dataDir: string;
  adminKey: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  maxModelBytes: number;
  maxInferBytes: number;
  maxJsonBytes: number;
  maxTensorElements: number;
  maxOutputBytes: number;
  modelMemoryBytes: number;
  maxImagePixels: number;
  probeTimeoutMs: number;
  probeMemoryBytes: number;
  instances: number;
  intraOpThreads: number;
  inferTimeoutMs: number;
  maxQueue: number;
  seedDefaultModel: boolean;
  masterKey: string | undefined;
  masterKeyFile: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsClientCa: string | undefined;
  allowedHosts: string | undefined;
  corsOrigins: string | undefined;
  otlpEndpoint: string | undefined;
}

type Kind = 'string' | 'int' | 'bool' | 'level';

export interface SettingSpec {
  key: keyof TesseraConfig;
  flag: string;
  env: string;
  kind: Kind;
  default: string | number | boolean | undefined;
  min?: number;
  secret?: boolean;
  help: string;
}

const MiB = 1024 * 1024;

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'host', flag: 'host', env: 'TESSERA_HOST', kind: 'string', default: '127.0.0.1', help: 'Address to listen on. Use 0.0.0.0 only behind a firewall or TLS proxy.' },
  { key: 'port', flag: 'port', env: 'TESSERA_PORT', kind: 'int', default: 8080, min: 0, help: 'HTTP port (0 picks a free one).' },
  { key: 'dataDir', flag: 'data', env: 'TESSERA_DATA_DIR', kind: 'string', default: './data', help: 'Folder for the SQLite registry, model files and the generated admin key.' },
  { key: 'adminKey', flag: 'admin-key', env: 'TESSERA_ADMIN_KEY', kind: 'string', default: undefined, secret: true, help: 'Admin API key (at least 16 characters). Without it the first start generates one into <data>/admin.key.' },
  { key: 'logLevel', flag: 'log-level', env: 'TESSERA_LOG_LEVEL', kind: 'level', default: 'info', help: 'fatal, error, warn, info, debug or silent.' },
  { key: 'maxModelBytes', flag: 'max-model-bytes', env: 'TESSERA_MAX_MODEL_BYTES', kind: 'int', default: 2048 * MiB, min: 1, help: 'Largest model upload.' },
  { key: 'maxInferBytes', flag: 'max-infer-bytes', env: 'TESSERA_MAX_INFER_BYTES', kind: 'int', default: 64 * MiB, min: 1024, help: 'Largest inference request body.' },
  { key: 'maxJsonBytes', flag: 'max-json-bytes', env: 'TESSERA_MAX_JSON_BYTES', kind: 'int', default: 1 * MiB, min: 1024, help: 'Largest body of a management (JSON) request.' },
  { key: 'maxTensorElements', flag: 'max-tensor-elements', env: 'TESSERA_MAX_TENSOR_ELEMENTS', kind: 'int', default: 64 * MiB, min: 1, help: 'Most elements in one input tensor.' },
  { key: 'maxOutputBytes', flag: 'max-output-bytes', env: 'TESSERA_MAX_OUTPUT_BYTES', kind: 'int', default: 256 * MiB, min: 1024, help: 'Most bytes a model may answer with in one request (all outputs together); beyond it 500 OUTPUT_TOO_LARGE, so a model that amplifies a small input cannot flood the server.' },
  { key: 'modelMemoryBytes', flag: 'model-memory-bytes', env: 'TESSERA_MODEL_MEMORY_BYTES', kind: 'int', default: 0, min: 0, help: 'Resident memory all loaded model versions may take together (measured per worker process); past it the least recently used idle, unpinned versions are unloaded. 0 = no budget.' },
  { key: 'maxImagePixels', flag: 'max-image-pixels', env: 'TESSERA_MAX_IMAGE_PIXELS', kind: 'int', default: 40_000_000, min: 1, help: 'Most pixels (width × height × frames) an uploaded image may declare; checked before decoding.' },
  { key: 'probeTimeoutMs', flag: 'probe-timeout-ms', env: 'TESSERA_PROBE_TIMEOUT_MS', kind: 'int', default: 60_000, min: 100, help: 'Time cap for loading and smoke-running a new version in the isolated validator.' },
  { key: 'probeMemoryBytes', flag: 'probe-memory-bytes', env: 'TESSERA_PROBE_MEMORY_BYTES', kind: 'int', default: 4096 * MiB, min: 64 * MiB, help: 'Resident-memory cap of the validator process.' },
  { key: 'instances', flag: 'instances', env: 'TESSERA_INSTANCES', kind: 'int', default: 0, min: 0, help: 'Default worker processes per loaded version (a model may override); 0 = 2 when the machine has 2 or more cores, else 1.' },
  { key: 'intraOpThreads', flag: 'intra-op-threads', env: 'TESSERA_INTRA_OP_THREADS', kind: 'int', default: 0, min: 0, help: 'Default onnxruntime intra-op threads per worker; 0 = number of cores / instances.' },
  { key: 'inferTimeoutMs', flag: 'infer-timeout-ms', env: 'TESSERA_INFER_TIMEOUT_MS', kind: 'int', default: 30_000, min: 10, help: 'Default per-run timeout; a run past it answers 504 and its worker restarts.' },
  { key: 'maxQueue', flag: 'max-queue', env: 'TESSERA_MAX_QUEUE', kind: 'int', default: 256, min: 1, help: 'Requests that may wait per loaded version before 503 QUEUE_FULL.' },
  { key: 'masterKey', flag: 'master-key', env: 'TESSERA_MASTER_KEY', kind: 'string', default: undefined, secret: true, help: 'Master key for encryption at rest (32 bytes as 64 hex characters or base64). Every model file is then stored encrypted with its own data key.' },
  { key: 'masterKeyFile', flag: 'master-key-file', env: 'TESSERA_MASTER_KEY_FILE', kind: 'string', default: undefined, help: 'File holding the master key (created with a new key if missing; mode 0600). Rotation writes the next key here.' },
  { key: 'tlsCert', flag: 'tls-cert', env: 'TESSERA_TLS_CERT', kind: 'string', default: undefined, help: 'PEM certificate chain file: serve HTTPS instead of HTTP (with --tls-key).' },
  { key: 'tlsKey', flag: 'tls-key', env: 'TESSERA_TLS_KEY', kind: 'string', default: undefined, help: 'PEM private key file of --tls-cert.' },
  { key: 'tlsClientCa', flag: 'tls-client-ca', env: 'TESSERA_TLS_CLIENT_CA', kind: 'string', default: undefined, help: 'PEM CA file: require client certificates signed by it (mutual TLS), on top of API keys.' },
  { key: 'allowedHosts', flag: 'allowed-hosts', env: 'TESSERA_ALLOWED_HOSTS', kind: 'string', default: undefined, help: 'Comma-separated Host header names to answer (DNS-rebinding defence); unset: any Host when bound to a public address, only localhost names and the bound address when bound to a loopback one.' },
  { key: 'corsOrigins', flag: 'cors-origins', env: 'TESSERA_CORS_ORIGINS', kind: 'string', default: undefined, help: 'Comma-separated origins allowed to call the API from a browser; unset: CORS off (no CORS headers).' },
  { key: 'otlpEndpoint', flag: 'otlp-endpoint', env: 'TESSERA_OTLP_ENDPOINT', kind: 'string', default: undefined, help: 'OpenTelemetry collector base URL (http or https, no credentials), e.g. http://127.0.0.1:4318: request and batch spans are sent to <url>/v1/traces as OTLP/HTTP JSON, with W3C traceparent propagation; unset: tracing off.' },
  { key: 'seedDefaultModel', flag: 'seed-default-model', env: 'TESSERA_SEED_DEFAULT_MODEL', kind: 'bool', default: true, help: 'Register the bundled text-orientation model on an empty data folder.' },
];
