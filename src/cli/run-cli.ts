import { isTesseraError } from '../client/index.js';
import { aliasCommand } from './alias-command.js';
import { auditCommand } from './audit-command.js';
import { benchCommand } from './bench/index.js';
import { CliContext, GLOBAL_FLAGS, type CliIo } from './cli-context.js';
import type { CommandGroup } from './command-group.js';
import { cliVersion, commandHelp, topLevelHelp } from './help-text.js';
import { inferCommand } from './infer-command.js';
import { keysCommand } from './keys-command.js';
import { predictCommand } from './predict-command.js';
import { modelsCommand } from './models-command.js';
import { parseArgs, UsageError, isUsageError } from './parse-args.js';
import { pushCommand } from './push-command.js';
import { serveCommand } from './serve-command.js';
import { statusCommand } from './status-command.js';
import { tenantsCommand } from './tenants-command.js';
import { trafficCommand } from './traffic-command.js';
import { usageCommand } from './usage-command.js';
import { versionsCommand } from './versions-command.js';

/** The commands besides `serve`, in help order. */
export const COMMANDS: readonly CommandGroup[] = [
  pushCommand, modelsCommand, versionsCommand, aliasCommand, trafficCommand, inferCommand, predictCommand, benchCommand, statusCommand,
  tenantsCommand, keysCommand, usageCommand, auditCommand,
];

/**
 * Runs the `tessera` command line and resolves with the exit code (0 ok, 1 error, 2 usage). Errors are printed as
 * `error: <message> (<CODE>)` on stderr. `serve` resolves once the server listens; the server keeps running.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), process.env);
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const state: { url?: string; command?: string } = {};
  try {
    return await dispatch(argv, env, io, state);
  } catch (error) {
    return reportError(error, io, state);
  }
}

async function dispatch(argv: string[], env: NodeJS.ProcessEnv, io: CliIo, state: { url?: string; command?: string }): Promise<number> {
  const index = commandIndex(argv);
  if (index === -1) {
    const args = parseArgs(argv, { ...GLOBAL_FLAGS, version: 'boolean' });
    if (args.flags.version === true) return write(io.stdout, `tessera ${cliVersion()}\n`, 0);
    if (args.flags.help === true) return write(io.stdout, topLevelHelp(helpEntries()), 0);
    return write(io.stderr, topLevelHelp(helpEntries()), 2);
  }
  const name = argv[index];
  const rest = [...argv.slice(0, index), ...argv.slice(index + 1)];
  if (name === 'serve') return serveCommand.run(argv.slice(index + 1), env);
  if (name === 'help') return help(argv.slice(index + 1), io);
  const group = findCommand(name);
  state.command = name;
  const args = parseArgs(rest, { ...GLOBAL_FLAGS, ...group.flags });
  if (args.flags.help === true) return write(io.stdout, commandHelp(group.usage), 0);
  const context = new CliContext({ args, env, io, dataFlagIsFolder: !('data' in group.flags) });
  state.url = context.url;
  return group.run(context, args.positionals, args);
}

/** Index of the command name: the first token that is neither a global flag nor a global flag's value. */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return -1;
    if (!token.startsWith('-')) return i;
    const name = token.slice(2);
    if (token.startsWith('--') && !name.includes('=') && GLOBAL_FLAGS[name] === 'string') i++;
  }
  return -1;
}

function findCommand(name: string): CommandGroup {
  const group = COMMANDS.find((command) => command.name === name);
  if (!group) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: serve, ${COMMANDS.map((c) => c.name).join(', ')}`);
  return group;
}

function help(topics: string[], io: CliIo): number {
  if (topics.length === 0) return write(io.stdout, topLevelHelp(helpEntries()), 0);
  if (topics[0] === 'serve') return write(io.stdout, `Usage:\n  tessera serve [server flags]\n\n${serveCommand.summary}\n`, 0);
  return write(io.stdout, commandHelp(findCommand(topics[0]).usage), 0);
}

function helpEntries(): Array<{ name: string; summary: string }> {
  return [{ name: serveCommand.name, summary: serveCommand.summary }, ...COMMANDS];
}

function write(sink: CliIo['stdout'], text: string, code: number): number {
  sink.write(text);
  return code;
}

function reportError(error: unknown, io: CliIo, state: { url?: string; command?: string }): number {
  if (isUsageError(error)) {
    const helpHint = state.command ? `tessera ${state.command} --help` : 'tessera --help';
    io.stderr.write(`error: ${error.message}\n(see ${helpHint})\n`);
    return 2;
  }
  if (isTesseraError(error)) {
    io.stderr.write(`error: ${error.message} (${error.code})\n`);
    if (error.code === 'UNAUTHENTICATED') io.stderr.write('hint: pass --key <key>, set TESSERA_KEY, or point --data at the server\'s data folder\n');
    return 1;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (error instanceof TypeError && cause && (typeof cause.code === 'string' || typeof cause.message === 'string')) {
    const code = typeof cause.code === 'string' ? ` (${cause.code})` : '';
    io.stderr.write(`error: cannot reach the server at ${state.url ?? 'its url'}: ${String(cause.message ?? cause.code)}${code}\n`);
    return 1;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`error: ${message}${typeof code === 'string' ? ` (${code})` : ''}\n`);
  return 1;
}
