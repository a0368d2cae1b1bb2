export { ensureAdminKey, ADMIN_KEY_FILE, type AdminKeyOutcome } from './admin-key.js';
export { TenantStore, DEFAULT_TENANT, parseLimits, type TenantStoreOptions } from './tenants.js';
export { KeyStore, MAX_ROTATION_OVERLAP_SECONDS, type KeyStoreOptions } from './api-keys.js';
export { parseCreateKey, MAX_KEY_MODELS, type CreateKeyInput, type NewKey } from './parse-create-key.js';
export { loadOrCreatePepper, SecretHasher, PEPPER_FILE } from './api-key-digest.js';
export { parseApiKey, formatApiKey, keyChecksum, ADMIN_KEY_ID, KEY_PREFIX, type ParsedApiKey } from './api-key-format.js';
export { hasScope, canInvoke, type Principal } from './principal.js';
export { createArtifactCipher, DEFAULT_CHUNK_SIZE, type ArtifactCipherOptions, parseMasterKey, generateMasterKeyText, masterKeyFromBytes, type MasterKey, rewrapEnvelope, envelopeKeyId } from './envelope/index.js';
export {
  TokenBucket, LimitEnforcer, rateLimitHeaders, utcMonth, nextUtcMonthStart, isUtcMonth,
  type TokenBucketResult, type LimitEnforcerOptions, type LimitSubject, type LimitKind, type ReleaseUsage,
  type Admission, type AdmissionGranted, type AdmissionRefused, type RateLimitHeaders, type BucketReading,
} from './limits/index.js';
export { UsageMeter, type UsageEntry, type UsageMeterOptions, type MonthTotal } from './usage-meter.js';
export { USAGE_GROUPS, parseUsageQuery, isUtcDay, type UsageGroup, type UsageQuery } from './usage-query.js';
export { toCsv, csvCell } from './to-csv.js';
export { AuditLog, AUDIT_FIELD_LIMITS, type AuditEntry, type AuditListOptions, type AuditLogOptions } from './audit-log.js';
export { MasterKeyManager, type MasterKeySource } from './master-key-manager.js';
