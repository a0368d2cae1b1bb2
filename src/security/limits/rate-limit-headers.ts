import type { TokenBucket, TokenBucketResult } from './token-bucket.js';

/**
 * The `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` response headers (IETF
 * draft-ietf-httpapi-ratelimit-headers), lower-case. Either all three are set or none (no subject has a rate limit).
 */
export interface RateLimitHeaders {
  /** The bucket's capacity (burst), in requests. */
  'ratelimit-limit'?: string;
  /** Requests left right now. */
  'ratelimit-remaining'?: string;
  /** Seconds until the bucket is full again; on a refusal, until a request can pass (never below 1). */
  'ratelimit-reset'?: string;
}

/** One subject's bucket and what it answered. */
export interface BucketReading {
  bucket: TokenBucket;
  result: TokenBucketResult;
}

/**
 * Headers for the most constraining bucket: a refusing one with the longest wait first, else the one with the fewest
 * requests remaining (then the longest reset). Empty when there is no bucket.
 *
 * @param refused the admission was refused (for any reason): the reset is then at least 1 second.
 */
export function rateLimitHeaders(readings: readonly BucketReading[], refused: boolean): RateLimitHeaders {
  const tightest = [...readings].sort(compareConstraint)[0];
  if (tightest === undefined) return {};
  const { bucket, result } = tightest;
  const resetMs = result.ok ? result.resetMs : result.retryAfterMs;
  const reset = Math.ceil(resetMs / 1000);
  return {
    'ratelimit-limit': String(Math.floor(bucket.burst)),
    'ratelimit-remaining': String(result.remaining),
    'ratelimit-reset': String(refused ? Math.max(1, reset) : reset),
  };
}

function compareConstraint(a: BucketReading, b: BucketReading): number {
  if (a.result.ok !== b.result.ok) return a.result.ok ? 1 : -1;
  if (!a.result.ok) return b.result.retryAfterMs - a.result.retryAfterMs;
  return a.result.remaining - b.result.remaining || b.result.resetMs - a.result.resetMs;
}
