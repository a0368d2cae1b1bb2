/** The `tessera` command line: `runCli` runs it (main.ts is the executable), `parseArgs` is its flag parser. */
export { runCli, COMMANDS } from './run-cli.js';
export { parseArgs, UsageError, isUsageError, type FlagSpec, type FlagType, type ParsedArgs } from './parse-args.js';
export { CliContext, DEFAULT_URL, GLOBAL_FLAGS, type CliIo } from './cli-context.js';
export type { CommandGroup } from './command-group.js';
