import type { Limits } from '../client/index.js';
import { stringFlag, UsageError, type FlagSpec, type ParsedArgs } from './parse-args.js';

/** The `--rps`-style flags and the Limits field each sets (`--rps` alone may be fractional). */
const LIMIT_FLAG_FIELDS: ReadonlyArray<readonly [flag: string, field: keyof Limits, integer: boolean]> = [
  ['rps', 'requestsPerSecond', false],
  ['burst', 'burst', true],
  ['concurrent', 'concurrent', true],
  ['monthly-requests', 'monthlyRequests', true],
  ['monthly-compute-ms', 'monthlyComputeMs', true],
];

/** The limit flags, for a command's `flags`. */
export const LIMIT_FLAGS: FlagSpec = Object.fromEntries(LIMIT_FLAG_FIELDS.map(([flag]) => [flag, 'string']));

/** The usage text of the limit flags. */
export const LIMIT_FLAGS_USAGE = '[--rps N] [--burst N] [--concurrent N] [--monthly-requests N] [--monthly-compute-ms N]';

/** What each limit flag means, for help pages. */
export const LIMIT_FLAGS_HELP = `Limits: --rps requests per second (sustained), --burst requests at once after a quiet period,
--concurrent inference requests in flight, --monthly-requests and --monthly-compute-ms per calendar month (UTC).`;

/**
 * The Limits given by flags, or undefined when none is given. Values must be positive numbers (integers except
 * `--rps`); the server checks the upper bounds.
 *
 * @example
 * limitsFromFlags(parseArgs(['--rps', '2.5', '--concurrent', '4'], LIMIT_FLAGS)); // { requestsPerSecond: 2.5, concurrent: 4 }
 */
export function limitsFromFlags(args: ParsedArgs): Limits | undefined {
  const limits: Limits = {};
  for (const [flag, field, integer] of LIMIT_FLAG_FIELDS) {
    const text = stringFlag(args, flag);
    if (text === undefined) continue;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new UsageError(`--${flag} takes a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
    }
    limits[field] = value;
  }
  return Object.keys(limits).length === 0 ? undefined : limits;
}

/** `rps 50, burst 100, concurrent 4`, or `none`. */
export function formatLimits(limits: Limits): string {
  const parts = LIMIT_FLAG_FIELDS.filter(([, field]) => limits[field] !== undefined).map(([flag, field]) => `${flag} ${limits[field]}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}
