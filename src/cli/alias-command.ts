import type { AliasChangeOptions, AliasInfo } from '../client/index.js';
import type { CommandGroup, SubcommandTable } from './command-group.js';
import { formatFields, formatTable, formatTime } from './format-table.js';
import { expectPositionals, parseVersionNumber, stringFlag, UsageError, type ParsedArgs } from './parse-args.js';
import { runSubcommand } from './run-subcommand.js';

const USAGE = `Usage:
  tessera alias list <model>
  tessera alias get <model> <alias>
  tessera alias set <model> <alias> <version> [--if-match <etag>] [--reason <text>]
  tessera alias rollback <model> <alias> [--if-match <etag>] [--reason <text>]
  tessera alias history <model> <alias>
  tessera alias delete <model> <alias> [--if-match <etag>]

An alias (e.g. production) names a READY version; clients call /v2/models/<model>/versions/<alias>/infer.
rollback moves the alias back to its previous target.

Flags:
  --if-match <etag>  change the alias only if it is still in the state of this ETag (as printed by get, set or
                     rollback, quotes included), or '*': only if it exists; otherwise the server refuses with
                     PRECONDITION_FAILED and nothing changes
  --reason <text>    why, recorded in the alias's history with your key (at most 256 characters)`;

const subcommands: SubcommandTable = {
  async list(context, rest, args) {
    const [model] = expectPositionals(rest, ['model'], 'tessera alias list <model>');
    refuseChangeFlags(args, 'list');
    const aliases = await context.client().listAliases(model);
    context.result(aliases, () => (aliases.length === 0
      ? `model ${model} has no aliases (set one with: tessera alias set ${model} production <version>)`
      : formatTable(['ALIAS', 'VERSION', 'ETAG', 'UPDATED'],
        aliases.map((alias) => [alias.name, String(alias.version), alias.etag, formatTime(alias.updatedAt)]))));
    return 0;
  },

  async get(context, rest, args) {
    const [model, alias] = expectPositionals(rest, ['model', 'alias'], 'tessera alias get <model> <alias>');
    refuseChangeFlags(args, 'get');
    const info = await context.client().getAlias(model, alias);
    context.result(info, () => formatFields([
      ['alias', info.name], ['version', String(info.version)], ['generation', String(info.generation)],
      ['etag', info.etag], ['updated', formatTime(info.updatedAt)],
    ]));
    return 0;
  },

  async set(context, rest, args) {
    const [model, alias, versionText] = expectPositionals(rest, ['model', 'alias', 'version'], 'tessera alias set <model> <alias> <version>');
    const info = await context.client().setAlias(model, alias, parseVersionNumber(versionText), changeOptions(args));
    context.result(info, () => describeMove(model, info, 'now points at'));
    return 0;
  },

  async rollback(context, rest, args) {
    const [model, alias] = expectPositionals(rest, ['model', 'alias'], 'tessera alias rollback <model> <alias>');
    const info = await context.client().rollbackAlias(model, alias, changeOptions(args));
    context.result(info, () => describeMove(model, info, 'rolled back to'));
    return 0;
  },

  async history(context, rest, args) {
    const [model, alias] = expectPositionals(rest, ['model', 'alias'], 'tessera alias history <model> <alias>');
    refuseChangeFlags(args, 'history');
    const entries = await context.client().aliasHistory(model, alias);
    context.result(entries, () => (entries.length === 0 ? `alias ${alias} of ${model} has no history` : formatTable(
      ['AT', 'ACTION', 'FROM', 'TO', 'ACTOR', 'REASON'],
      entries.map((entry) => [
        formatTime(entry.at), entry.action, versionText(entry.fromVersion), versionText(entry.toVersion), entry.actor, entry.reason,
      ]),
    )));
    return 0;
  },

  async delete(context, rest, args) {
    const [model, alias] = expectPositionals(rest, ['model', 'alias'], 'tessera alias delete <model> <alias>');
    if (stringFlag(args, 'reason') !== undefined) throw new UsageError('--reason is recorded for set and rollback only');
    await context.client().deleteAlias(model, alias, { ifMatch: stringFlag(args, 'if-match') });
    context.result({ deleted: { model, alias } }, () => `deleted alias ${alias} of ${model}`);
    return 0;
  },
};

/** `tessera alias …`: point aliases at versions, roll them back, show their history. */
export const aliasCommand: CommandGroup = {
  name: 'alias',
  summary: 'set, roll back, list and show the history of aliases',
  usage: USAGE,
  flags: { 'if-match': 'string', reason: 'string' },
  run: (context, positionals, args) => runSubcommand('alias', subcommands, context, positionals, args),
};

function describeMove(model: string, info: AliasInfo, verb: string): string {
  return `alias ${info.name} of ${model} ${verb} version ${info.version} (etag ${info.etag})`;
}

/** `--if-match` and `--reason` of a set or rollback. */
function changeOptions(args: ParsedArgs): AliasChangeOptions {
  return { ifMatch: stringFlag(args, 'if-match'), reason: stringFlag(args, 'reason') };
}

function refuseChangeFlags(args: ParsedArgs, subcommand: string): void {
  for (const flag of ['if-match', 'reason']) {
    if (stringFlag(args, flag) !== undefined) throw new UsageError(`--${flag} applies to set, rollback and delete, not ${subcommand}`);
  }
}

function versionText(version: number | null): string {
  return version === null ? '-' : String(version);
}
