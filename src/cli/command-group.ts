import type { CliContext } from './cli-context.js';
import type { FlagSpec, ParsedArgs } from './parse-args.js';

/**
 * One `tessera <name> …` command (or group of subcommands). `run` gets the positionals after the command name and
 * resolves with the exit code; errors it throws are printed by the dispatcher (UsageError → exit 2, others → 1).
 *
 * @example
 * export const pingCommand: CommandGroup = {
 *   name: 'ping', summary: 'check the server', usage: 'tessera ping', flags: {},
 *   async run(context) { context.say(String(await context.client().live())); return 0; },
 * };
 */
export interface CommandGroup {
  name: string;
  /** One line for `tessera --help`. */
  summary: string;
  /** The full text of `tessera <name> --help`. */
  usage: string;
  /** Flags of this command, on top of the global ones. */
  flags: FlagSpec;
  run(context: CliContext, positionals: string[], args: ParsedArgs): Promise<number>;
}

/** Handlers of a command's subcommands (`tessera models list` → `list`), given the positionals after the subcommand. */
export type SubcommandTable = Record<string, (context: CliContext, rest: string[], args: ParsedArgs) => Promise<number>>;
