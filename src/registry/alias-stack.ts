/**
 * Pure helpers for an alias's rollback stack: the version numbers it pointed at before, most recent last.
 * Kept apart from the store so the stack rules read in one place.
 */

/** How many earlier targets an alias remembers; older ones fall off the bottom of the stack. */
export const ROLLBACK_DEPTH = 100;

/** Returns the stack with `previous` pushed on top (a new array), trimmed to `ROLLBACK_DEPTH` entries. */
export function pushTarget(stack: readonly number[], previous: number): number[] {
  const next = [...stack, previous];
  return next.length > ROLLBACK_DEPTH ? next.slice(next.length - ROLLBACK_DEPTH) : next;
}

/**
 * Pops targets until one is usable: it still exists, is READY (`isUsable`) and differs from `current`.
 * Unusable entries are dropped on the way down.
 *
 * @returns the target and the remaining stack, or undefined when the stack runs out.
 * @example popTarget([1, 2, 3], 4, (v) => v !== 3) // → { target: 2, rest: [1] }
 */
export function popTarget(
  stack: readonly number[],
  current: number,
  isUsable: (version: number) => boolean,
): { target: number; rest: number[] } | undefined {
  const rest = [...stack];
  while (rest.length > 0) {
    const candidate = rest.pop() as number;
    if (candidate !== current && isUsable(candidate)) return { target: candidate, rest };
  }
  return undefined;
}
