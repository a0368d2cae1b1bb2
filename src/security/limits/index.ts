export { TokenBucket, type TokenBucketResult } from './token-bucket.js';
export {
  LimitEnforcer, type LimitEnforcerOptions, type LimitSubject, type LimitKind, type ReleaseUsage,
  type Admission, type AdmissionGranted, type AdmissionRefused,
} from './limit-enforcer.js';
export { rateLimitHeaders, type RateLimitHeaders, type BucketReading } from './rate-limit-headers.js';
export { utcMonth, nextUtcMonthStart, isUtcMonth } from './utc-month.js';
