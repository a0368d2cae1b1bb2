import { readFileSync } from 'node:fs';
import type { ModelInfo, VersionInfo, Visibility } from '../client/index.js';
import type { CommandGroup, SubcommandTable } from './command-group.js';
import { formatFields, formatTable, formatTime } from './format-table.js';
import { expectPositionals, stringFlag, UsageError, type ParsedArgs } from './parse-args.js';
import { runSubcommand } from './run-subcommand.js';
import { formatVersionTable } from './versions-command.js';

const USAGE = `Usage:
  tessera models list
  tessera models create <name> [--task t] [--description d] [--labels a,b,c | --labels-file f]
  tessera models show <name>
  tessera models delete <name>
  tessera models share <name> --visibility private|shared|public [--with tenant1,tenant2]

A model is named <name> in your key's tenant, or <tenant>/<name> for a model another tenant shares with you.
--labels-file reads one label per line, or a JSON array of strings.
Deleting a model removes all its versions and aliases.
share: private (only its tenant), shared (also the tenants given with --with), public (every tenant); other
tenants call it as <tenant>/<name>. --with alone means --visibility shared.`;

const VISIBILITIES: readonly Visibility[] = ['private', 'shared', 'public'];

const subcommands: SubcommandTable = {
  async list(context, rest) {
    expectPositionals(rest, [], 'tessera models list');
    const models = await context.client().listModels();
    context.result(models, () => (models.length === 0 ? 'no models yet (create one with: tessera push <model> <file.onnx>)' : formatTable(
      ['NAME', 'TENANT', 'VISIBILITY', 'TASK', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'],
      models.map((model) => [model.name, model.tenant, model.visibility, model.task, model.latestVersion === null ? '-' : String(model.latestVersion),
        formatAliases(model.aliases), formatTime(model.updatedAt), model.description]),
    )));
    return 0;
  },

  async create(context, rest, args) {
    const [name] = expectPositionals(rest, ['name'], 'tessera models create <name>');
    const labels = readLabels(args);
    const model = await context.client().createModel({
      name, task: stringFlag(args, 'task'), description: stringFlag(args, 'description'), labels,
    });
    context.result(model, () => `created model ${model.name}\n${describeModel(model)}`);
    return 0;
  },

  async show(context, rest) {
    const [name] = expectPositionals(rest, ['name'], 'tessera models show <name>');
    const client = context.client();
    const [model, versions] = await Promise.all([client.getModel(name), client.listVersions(name)]);
    context.result({ model, versions }, () => `${describeModel(model)}\n\n${describeVersions(model, versions)}`);
    return 0;
  },

  async delete(context, rest) {
    const [name] = expectPositionals(rest, ['name'], 'tessera models delete <name>');
    await context.client().deleteModel(name);
    context.result({ deleted: name }, () => `deleted model ${name} with its versions and aliases`);
    return 0;
  },

  async share(context, rest, args) {
    const [name] = expectPositionals(rest, ['name'], 'tessera models share <name> --visibility private|shared|public [--with a,b]');
    const sharedWith = stringFlag(args, 'with')?.split(',').map((tenant) => tenant.trim()).filter((tenant) => tenant.length > 0);
    const visibility = stringFlag(args, 'visibility') ?? (sharedWith === undefined ? undefined : 'shared');
    if (visibility === undefined || !VISIBILITIES.includes(visibility as Visibility)) {
      throw new UsageError(`--visibility must be one of ${VISIBILITIES.join(', ')}${visibility === undefined ? '' : `, got ${JSON.stringify(visibility)}`}`);
    }
    const model = await context.client().updateModel(name, { visibility: visibility as Visibility, ...(sharedWith === undefined ? {} : { sharedWith }) });
    context.result(model, () => `model ${model.tenant}/${model.name} is now ${describeVisibility(model)}`);
    return 0;
  },
};

/** `tessera models …`: list, create, show, delete and share models. */
export const modelsCommand: CommandGroup = {
  name: 'models',
  summary: 'list, create, show, delete and share models',
  usage: USAGE,
  flags: { task: 'string', description: 'string', labels: 'string', 'labels-file': 'string', visibility: 'string', with: 'string' },
  run: (context, positionals, args) => runSubcommand('models', subcommands, context, positionals, args),
};

function readLabels(args: ParsedArgs): string[] | undefined {
  const inline = stringFlag(args, 'labels');
  const file = stringFlag(args, 'labels-file');
  if (inline !== undefined && file !== undefined) throw new UsageError('give --labels or --labels-file, not both');
  if (inline !== undefined) return inline.split(',').map((label) => label.trim()).filter((label) => label.length > 0);
  if (file === undefined) return undefined;
  const text = readFileSync(file, 'utf8');
  if (text.trimStart().startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((label) => typeof label === 'string')) {
      throw new UsageError(`${file}: a JSON labels file must hold an array of strings`);
    }
    return parsed;
  }
  return text.split(/\r?\n/).map((label) => label.trim()).filter((label) => label.length > 0);
}

/** `production=3, staging=4`, or `-`. */
export function formatAliases(aliases: Record<string, number>): string {
  const entries = Object.entries(aliases);
  return entries.length === 0 ? '-' : entries.map(([alias, version]) => `${alias}=${version}`).join(', ');
}

function describeModel(model: ModelInfo): string {
  const labels = model.labels.length > 8 ? `${model.labels.slice(0, 8).join(', ')}, … (${model.labels.length})` : model.labels.join(', ');
  return formatFields([
    ['name', model.name],
    ['tenant', model.tenant],
    ['visibility', describeVisibility(model)],
    ['task', model.task || '-'],
    ['description', model.description || '-'],
    ['labels', labels || '-'],
    ['latest', model.latestVersion === null ? '-' : String(model.latestVersion)],
    ['aliases', formatAliases(model.aliases)],
    ['created', formatTime(model.createdAt)],
    ['updated', formatTime(model.updatedAt)],
  ]);
}

/** `private`, `public`, or `shared with a, b`. */
function describeVisibility(model: ModelInfo): string {
  if (model.visibility !== 'shared') return model.visibility;
  return model.sharedWith.length === 0 ? 'shared (with no tenant yet)' : `shared with ${model.sharedWith.join(', ')}`;
}

function describeVersions(model: ModelInfo, versions: VersionInfo[]): string {
  if (versions.length === 0) return `no versions yet (upload one with: tessera push ${model.name} <file.onnx>)`;
  return formatVersionTable(versions, Object.entries(model.aliases).map(([name, version]) => ({ name, version })));
}
