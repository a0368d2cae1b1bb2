import type { AliasInfo, VersionInfo } from '../client/index.js';
import type { CommandGroup, SubcommandTable } from './command-group.js';
import { formatBytes, formatTable, formatTime } from './format-table.js';
import { expectPositionals, parseVersionNumber } from './parse-args.js';
import { runSubcommand } from './run-subcommand.js';

const USAGE = `Usage:
  tessera versions list <model>
  tessera versions delete <model> <version>

A version an alias points at cannot be deleted (VERSION_IN_USE): move or delete the alias first.`;

/**
 * A version table naming the aliases that point at each version; the ERROR column appears when a version failed.
 *
 * @example
 * formatVersionTable(await client.listVersions('iris'), await client.listAliases('iris'));
 */
export function formatVersionTable(versions: readonly VersionInfo[], aliases: readonly Pick<AliasInfo, 'name' | 'version'>[]): string {
  const withErrors = versions.some((version) => version.error);
  const headers = ['VERSION', 'STATE', 'SIZE', 'SHA256', 'CREATED', 'ALIASES', ...(withErrors ? ['ERROR'] : [])];
  return formatTable(headers, versions.map((version) => [
    String(version.version),
    version.state,
    formatBytes(version.sizeBytes),
    version.sha256.slice(0, 12),
    formatTime(version.createdAt),
    aliases.filter((alias) => alias.version === version.version).map((alias) => alias.name).join(', ') || '-',
    ...(withErrors ? [version.error ?? ''] : []),
  ]));
}

const subcommands: SubcommandTable = {
  async list(context, rest) {
    const [model] = expectPositionals(rest, ['model'], 'tessera versions list <model>');
    const client = context.client();
    const [versions, aliases] = await Promise.all([client.listVersions(model), client.listAliases(model)]);
    context.result(versions, () => (versions.length === 0
      ? `model ${model} has no versions yet (upload one with: tessera push ${model} <file.onnx>)`
      : formatVersionTable(versions, aliases)));
    return 0;
  },

  async delete(context, rest) {
    const [model, versionText] = expectPositionals(rest, ['model', 'version'], 'tessera versions delete <model> <version>');
    const version = parseVersionNumber(versionText);
    await context.client().deleteVersion(model, version);
    context.result({ deleted: { model, version } }, () => `deleted version ${version} of ${model}`);
    return 0;
  },
};

/** `tessera versions …`: list and delete a model's versions. */
export const versionsCommand: CommandGroup = {
  name: 'versions',
  summary: 'list and delete the versions of a model',
  usage: USAGE,
  flags: {},
  run: (context, positionals, args) => runSubcommand('versions', subcommands, context, positionals, args),
};
