/**
 * A token bucket: `burst` tokens at most, refilled continuously at `ratePerSecond`. Each admitted request takes one
 * token. Pure logic: the caller passes the time (ms), so tests drive it with a fake clock.
 */

/** What a `take` (or `peek`) found. */
export interface TokenBucketResult {
  /** True when a token was (or, for `peek`, would be) available. */
  ok: boolean;
  /** Whole tokens left after this call (0 when refused). */
  remaining: number;
  /** Milliseconds until one token is available again; 0 when `ok`. */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again (the quota has reset). */
  resetMs: number;
}

/**
 * Token bucket with continuous refill. Starts full. A clock that goes backwards is treated as standing still.
 *
 * @example
 * const bucket = new TokenBucket(5, 10, Date.now()); // 5 per second, 10 at once
 * if (!bucket.take(Date.now()).ok) answer429();
 */
export class TokenBucket {
  /** Sustained rate, tokens per second (> 0). */
  readonly ratePerSecond: number;
  /** Capacity (≥ 1). */
  readonly burst: number;
  #tokens: number;
  #last: number;

  /**
   * @param ratePerSecond refill rate, a positive finite number.
   * @param burst capacity, a finite number ≥ 1 (fractions are kept: 2.5 still admits 2 at once).
   * @param now the creation time in ms; the bucket starts full.
   */
  constructor(ratePerSecond: number, burst: number, now: number) {
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) throw new RangeError(`Token bucket rate must be a positive number, got ${ratePerSecond}.`);
    if (!(Number.isFinite(burst) && burst >= 1)) throw new RangeError(`Token bucket burst must be a number ≥ 1, got ${burst}.`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes one token if there is one. A refused take changes nothing but the refill bookkeeping. */
  take(now: number): TokenBucketResult {
    this.#refill(now);
    if (this.#tokens < 1) return this.#refused();
    this.#tokens -= 1;
    return this.#admitted(this.#tokens);
  }

  /** Answers what `take(now)` would, without taking a token. */
  peek(now: number): TokenBucketResult {
    this.#refill(now);
    return this.#tokens < 1 ? this.#refused() : this.#admitted(this.#tokens - 1);
  }

  #refill(now: number): void {
    if (!(now > this.#last)) return;
    const refilled = this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000;
    // Rounded to 1e-9 token so float error from many small refills never loses a whole token.
    this.#tokens = Math.min(this.burst, Math.round(refilled * 1e9) / 1e9);
    this.#last = now;
  }

  #admitted(tokensAfter: number): TokenBucketResult {
    return { ok: true, remaining: Math.floor(tokensAfter), retryAfterMs: 0, resetMs: this.#msToRefill(this.burst - tokensAfter) };
  }

  #refused(): TokenBucketResult {
    return { ok: false, remaining: 0, retryAfterMs: this.#msToRefill(1 - this.#tokens), resetMs: this.#msToRefill(this.burst - this.#tokens) };
  }

  #msToRefill(tokens: number): number {
    return tokens <= 0 ? 0 : Math.ceil((tokens * 1000) / this.ratePerSecond);
  }
}
