import type { CliContext } from './cli-context.js';
import type { SubcommandTable } from './command-group.js';
import { UsageError, type ParsedArgs } from './parse-args.js';

/**
 * Runs the subcommand named by the first positional, or throws a UsageError listing the choices.
 *
 * @example
 * run: (context, positionals, args) => runSubcommand('models', subcommands, context, positionals, args),
 */
export function runSubcommand(
  command: string, table: SubcommandTable, context: CliContext, positionals: string[], args: ParsedArgs,
): Promise<number> {
  const [name, ...rest] = positionals;
  const choices = Object.keys(table).join('|');
  if (name === undefined) throw new UsageError(`missing subcommand: tessera ${command} ${choices}`);
  const handler = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!handler) throw new UsageError(`unknown subcommand ${JSON.stringify(name)}: tessera ${command} ${choices}`);
  return handler(context, rest, args);
}
