import { seededRandom } from '../../core/index.js';
/** How requests arrive in an open loop: evenly spaced, or a Poisson process (exponential gaps). */
export type Arrivals = 'constant' | 'poisson';


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
