/** How requests arrive in an open loop: evenly spaced, or a Poisson process (exponential gaps). */
export type Arrivals = 'constant' | 'poisson';

/**
 * A seeded 32-bit generator (mulberry32) of numbers in [0, 1): the same seed gives the same sequence on every run.
 *
 * @example
 * const random = seededRandom(1); random(); // 0.6270739405881613
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The gaps between arrivals, in ms, for `rate` requests per second: `1000 / rate` each (constant), or exponentially
 * distributed with that mean (poisson, seeded). The schedule is fixed in advance; it never waits for answers.
 *
 * @example
 * const gap = arrivalGaps(200, 'constant', 1); gap(); // 5
 */
export function arrivalGaps(rate: number, arrivals: Arrivals, seed: number): () => number {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError('rate must be a positive number of requests per second');
  const mean = 1000 / rate;
  if (arrivals === 'constant') return () => mean;
  const random = seededRandom(seed);
  return () => -Math.log(1 - random()) * mean;
}
