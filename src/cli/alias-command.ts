import type { AliasInfo } from '../client/index.js';
import type { CommandGroup, SubcommandTable } from './command-group.js';
import { formatTable, formatTime } from './format-table.js';
import { expectPositionals, parseVersionNumber } from './parse-args.js';
import { runSubcommand } from './run-subcommand.js';

const USAGE = `Usage:
  tessera alias list <model>
  tessera alias set <model> <alias> <version>
  tessera alias rollback <model> <alias>
  tessera alias history <model> <alias>
  tessera alias delete <model> <alias>

An alias (e.g. production) names a READY version; clients call /v2/models/<model>/versions/<alias>/infer.
rollback moves the alias back to its previous target.`;

const subcommands: SubcommandTable = {
  async list(context, rest) {
    const [model] = expectPositionals(rest, ['model'], 'tessera alias list <model>');
    const aliases = await context.client().listAliases(model);
    context.result(aliases, () => (aliases.length === 0
      ? `model ${model} has no aliases (set one with: tessera alias set ${model} production <version>)`
      : formatTable(['ALIAS', 'VERSION', 'UPDATED'], aliases.map((alias) => [alias.name, String(alias.version), formatTime(alias.updatedAt)]))));
    return 0;
  },

  async set(context, rest) {
    const [model, alias, versionText] = expectPositionals(rest, ['model', 'alias', 'version'], 'tessera alias set <model> <alias> <version>');
    const info = await context.client().setAlias(model, alias, parseVersionNumber(versionText));
    context.result(info, () => describeMove(model, info, 'now points at'));
    return 0;
  },

  async rollback(context, rest) {
    const [model, alias] = expectPositionals(rest, ['model', 'alias'], 'tessera alias rollback <model> <alias>');
    const info = await context.client().rollbackAlias(model, alias);
    context.result(info, () => describeMove(model, info, 'rolled back to'));
    return 0;
  },

  async history(context, rest) {
    const [model, alias] = expectPositionals(rest, ['model', 'alias'], 'tessera alias history <model> <alias>');
    const entries = await context.client().aliasHistory(model, alias);
    context.result(entries, () => (entries.length === 0 ? `alias ${alias} of ${model} has no history` : formatTable(
      ['AT', 'ACTION', 'FROM', 'TO'],
      entries.map((entry) => [formatTime(entry.at), entry.action, versionText(entry.fromVersion), versionText(entry.toVersion)]),
    )));
    return 0;
  },

  async delete(context, rest) {
    const [model, alias] = expectPositionals(rest, ['model', 'alias'], 'tessera alias delete <model> <alias>');
    await context.client().deleteAlias(model, alias);
    context.result({ deleted: { model, alias } }, () => `deleted alias ${alias} of ${model}`);
    return 0;
  },
};

/** `tessera alias …`: point aliases at versions, roll them back, show their history. */
export const aliasCommand: CommandGroup = {
  name: 'alias',
  summary: 'set, roll back, list and show the history of aliases',
  usage: USAGE,
  flags: {},
  run: (context, positionals, args) => runSubcommand('alias', subcommands, context, positionals, args),
};

function describeMove(model: string, info: AliasInfo, verb: string): string {
  return `alias ${info.name} of ${model} ${verb} version ${info.version}`;
}

function versionText(version: number | null): string {
  return version === null ? '-' : String(version);
}
