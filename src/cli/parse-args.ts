/** How a long flag takes its value: `string` flags need one (`--x v` or `--x=v`), `boolean` flags stand alone. */
export type FlagType = 'string' | 'boolean';

/** Flag names (without `--`) and their types. */
export type FlagSpec = Readonly<Record<string, FlagType>>;

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
}

/** A mistake in the command line (exit code 2). */
export class UsageError extends Error {
  readonly code = 'USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** True for a UsageError, recognized by shape. */
export function isUsageError(value: unknown): value is UsageError {
  return value instanceof Error && (value as { code?: unknown }).code === 'USAGE';
}

/**
 * Parses long flags (`--x value`, `--x=value`, booleans, `--no-x` for a boolean), `-h` as `--help`, and
 * positionals; `--` ends the flags. Unknown flags are a UsageError. A repeated flag keeps its last value.
 *
 * @example
 * parseArgs(['push', 'iris', 'm.onnx', '--alias=production', '--json'], { alias: 'string', json: 'boolean' });
 * // → { positionals: ['push', 'iris', 'm.onnx'], flags: { alias: 'production', json: true } }
 */
export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === '-h') setHelpFlag(parsed, spec);
    else if (token.startsWith('--')) i = parseLongFlag(argv, i, spec, parsed);
    else if (token.length > 1 && token.startsWith('-') && !/^-[0-9.]/.test(token)) {
      throw new UsageError(`unknown flag ${token} (flags are long: --name value)`);
    } else parsed.positionals.push(token);
  }
  return parsed;
}

function setHelpFlag(parsed: ParsedArgs, spec: FlagSpec): void {
  if (spec.help !== 'boolean') throw new UsageError('unknown flag -h');
  parsed.flags.help = true;
}

/** Parses the flag at argv[index]; returns the index of the last token it consumed. */
function parseLongFlag(argv: readonly string[], index: number, spec: FlagSpec, parsed: ParsedArgs): number {
  const token = argv[index];
  const equals = token.indexOf('=');
  const name = token.slice(2, equals === -1 ? undefined : equals);
  const inline = equals === -1 ? undefined : token.slice(equals + 1);
  const type = spec[name];
  if (type === undefined) {
    if (name.startsWith('no-') && spec[name.slice(3)] === 'boolean' && inline === undefined) {
      parsed.flags[name.slice(3)] = false;
      return index;
    }
    throw new UsageError(`unknown flag --${name}`);
  }
  if (type === 'boolean') {
    parsed.flags[name] = inline === undefined ? true : parseBoolean(name, inline);
    return index;
  }
  if (inline !== undefined) {
    parsed.flags[name] = inline;
    return index;
  }
  const value = argv[index + 1];
  if (value === undefined) throw new UsageError(`--${name} needs a value`);
  parsed.flags[name] = value;
  return index + 1;
}

function parseBoolean(name: string, text: string): boolean {
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  throw new UsageError(`--${name} is a switch: use --${name} or --${name}=false, not ${JSON.stringify(text)}`);
}

/** The value of a string flag, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks the positionals' count: `names` are required ones (used in the message), `optional` more may follow.
 *
 * @example
 * const [model, file] = expectPositionals(rest, ['model', 'file.onnx'], 'tessera push <model> <file.onnx>');
 */
export function expectPositionals(values: readonly string[], names: readonly string[], usage: string, optional = 0): string[] {
  if (values.length < names.length) {
    throw new UsageError(`missing <${names[values.length]}>: usage: ${usage}`);
  }
  if (values.length > names.length + optional) {
    throw new UsageError(`unexpected argument ${JSON.stringify(values[names.length + optional])}: usage: ${usage}`);
  }
  return [...values];
}

/** A positive integer version number from the command line. */
export function parseVersionNumber(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new UsageError(`a version must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}
