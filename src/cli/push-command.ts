import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { isTesseraError, type AliasInfo, type CreateModelRequest, type VersionInfo } from '../client/index.js';
import { ALIAS_NAME_PATTERN } from '../core/index.js';
import type { CliContext } from './cli-context.js';
import type { CommandGroup } from './command-group.js';
import { formatBytes, formatFields } from './format-table.js';
import { formatSignature } from './format-tensor.js';
import { expectPositionals, stringFlag, UsageError, type ParsedArgs } from './parse-args.js';
import { ProgressBar } from './progress-bar.js';

const USAGE_LINE = 'tessera push <model> <file.onnx> [--alias name] [--task t] [--preset p] [--labels imagenet|a,b,c] [--create | --no-create]';
const USAGE = `Usage:
  ${USAGE_LINE}

Uploads an ONNX file as the model's next version; the server validates it (READY or FAILED).
A missing model is created first (--no-create refuses instead). --task, --preset (vgg, caffe, tf, torch, paddle-cls)
and --labels ("imagenet" or a comma-separated list) set the model's settings, also on an existing model.
With --alias, the alias is pointed at the new version once it is READY.
Exits 1 when the version FAILED.`;

/** What a push produced: `version` is a VersionInfo, or the 422 body of a refused file. */
interface PushResult {
  model: string;
  created: boolean;
  version: VersionInfo | (Record<string, unknown> & { state: 'FAILED'; error?: string; code?: string });
  alias: AliasInfo | null;
}

/** `tessera push`: upload a model file as a new version, optionally moving an alias to it. */
export const pushCommand: CommandGroup = {
  name: 'push',
  summary: 'upload an ONNX file as a new version (creating the model if needed)',
  usage: USAGE,
  flags: { alias: 'string', task: 'string', preset: 'string', labels: 'string', create: 'boolean' },
  async run(context, positionals, args) {
    const [model, file] = expectPositionals(positionals, ['model', 'file.onnx'], USAGE_LINE);
    const alias = stringFlag(args, 'alias');
    if (alias !== undefined && !ALIAS_NAME_PATTERN.test(alias)) {
      throw new UsageError(`invalid alias name ${JSON.stringify(alias)}: use ${ALIAS_NAME_PATTERN.source}`);
    }
    const size = fileSize(file);
    const created = await ensureModel(context, model, modelSettings(args), args.flags.create !== false);
    const result: PushResult = { model, created, version: await upload(context, model, file, size), alias: null };
    if (result.version.state === 'READY' && alias !== undefined) {
      result.alias = await context.client().setAlias(model, alias, (result.version as VersionInfo).version);
    }
    context.result(result, () => describe(result));
    if (result.version.state === 'READY') return 0;
    const refusalCode = (result.version as { code?: unknown }).code;
    const code = typeof refusalCode === 'string' ? ` (${refusalCode})` : '';
    context.note(`error: version ${String(result.version.version ?? '?')} of ${model} FAILED: ${result.version.error ?? 'no reason given'}${code}`);
    if (alias !== undefined) context.note(`alias ${alias} was not moved`);
    return 1;
  },
};

function fileSize(file: string): number {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw Object.assign(new Error(`${file} is not a file`), { code: 'EISDIR' });
    return stats.size;
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw Object.assign(new Error(`cannot read ${file}: ${(error as Error).message}`), { code });
  }
}

type ModelSettings = Omit<CreateModelRequest, 'name'>;

/** The model settings given on the command line: --task, --preset, --labels. */
function modelSettings(args: ParsedArgs): ModelSettings {
  const settings: ModelSettings = {};
  const task = stringFlag(args, 'task');
  const preset = stringFlag(args, 'preset');
  const labels = stringFlag(args, 'labels');
  if (task !== undefined) settings.task = task;
  if (preset !== undefined) settings.preprocess = { preset };
  if (labels !== undefined) settings.labels = labels === 'imagenet' ? 'imagenet' : labels.split(',').map((l) => l.trim()).filter((l) => l.length > 0);
  return settings;
}

async function ensureModel(context: CliContext, model: string, settings: ModelSettings, mayCreate: boolean): Promise<boolean> {
  const client = context.client();
  try {
    await client.getModel(model);
    if (Object.keys(settings).length > 0) await client.updateModel(model, settings);
    return false;
  } catch (error) {
    if (!isTesseraError(error) || error.code !== 'MODEL_NOT_FOUND' || !mayCreate) throw error;
  }
  try {
    await client.createModel({ name: model, ...settings });
  } catch (error) {
    if (isTesseraError(error) && error.code === 'MODEL_EXISTS') return false; // created meanwhile by someone else
    throw error;
  }
  context.say(`model ${model} did not exist: created it${settings.task ? ` (task ${settings.task})` : ''}`);
  return true;
}

async function upload(context: CliContext, model: string, file: string, size: number): Promise<PushResult['version']> {
  const client = context.client();
  const bar = new ProgressBar(context.io.stderr, basename(file), size);
  const stream = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
  let version: VersionInfo;
  try {
    version = await client.pushVersion(model, stream, { onProgress: (sent) => bar.update(sent) });
  } catch (error) {
    if (isTesseraError(error) && error.status === 422 && isRefusal(error.body)) {
      bar.finish();
      return error.body;
    }
    bar.abort();
    throw error;
  }
  bar.finish();
  const deadline = Date.now() + 300_000;
  while (version.state === 'VALIDATING' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    version = await client.getVersion(model, version.version);
  }
  return version;
}

function isRefusal(body: unknown): body is PushResult['version'] & { state: 'FAILED' } {
  return typeof body === 'object' && body !== null && (body as { state?: unknown }).state === 'FAILED';
}

function describe(result: PushResult): string {
  const version = result.version;
  const fields: Array<[string, string]> = [['model', result.model], ['version', String(version.version ?? '-')], ['state', version.state]];
  if ('sha256' in version && typeof version.sha256 === 'string') {
    const info = version as VersionInfo;
    fields.push(['size', formatBytes(info.sizeBytes)], ['sha256', info.sha256]);
    if (info.state === 'READY') fields.push(['inputs', formatSignature(info.inputs)], ['outputs', formatSignature(info.outputs)]);
  }
  if (version.error) fields.push(['error', String(version.error)]);
  if (result.alias) fields.push(['alias', `${result.alias.name} → ${result.alias.version}`]);
  return formatFields(fields);
}
