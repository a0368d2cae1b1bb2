import { stringFlag, UsageError, type ParsedArgs } from './parse-args.js';

export { stringFlag };

/** At least `count` positionals, else a usage error. */
export function expectAtLeast(values: readonly string[], count: number, usage: string): string[] {
  if (values.length < count) throw new UsageError(`missing arguments: ${usage}`);
  return [...values];
}

/** A positive integer flag with a default. */
export function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
  const text = stringFlag(args, name);
  if (text === undefined) return fallback;
  if (!/^[1-9][0-9]{0,5}$/.test(text)) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}
