import type { InferRequest, InferResult } from '../client/index.js';
import type { CommandGroup } from './command-group.js';
import { formatShape, formatTensorData } from './format-tensor.js';
import {
  isFullRequest, readDataArgument, requestedOutputs, requestToTensors, shorthandToRequest,
} from './infer-data.js';
import { expectPositionals, stringFlag, UsageError } from './parse-args.js';

const USAGE_LINE = 'tessera infer <model> [--version v] --data <json | @file.json | @->';
const USAGE = `Usage:
  ${USAGE_LINE}

--data is a full v2 request {"inputs": [{"name", "datatype", "shape", "data"}], "outputs"?: [...]}
or a shorthand {"inputName": nestedArray, …} (a bare array for a single-input model): datatypes come from the
model's metadata, shapes from the nesting of the arrays.
--version is a version number or an alias (default: the model's default version).
--json prints the server's raw v2 JSON answer.
Here --data is the request; name the data folder holding admin.key with --data-dir.

Example:
  tessera infer iris --version production --data '{"input": [[5.1, 3.5, 1.4, 0.2]]}'`;

/** `tessera infer`: run one inference and print the outputs. */
export const inferCommand: CommandGroup = {
  name: 'infer',
  summary: 'run an inference (full v2 JSON or a {"input": array} shorthand)',
  usage: USAGE,
  flags: { version: 'string', data: 'string' },
  async run(context, positionals, args) {
    const [model] = expectPositionals(positionals, ['model'], USAGE_LINE);
    const dataArgument = stringFlag(args, 'data');
    if (dataArgument === undefined) throw new UsageError(`--data is required: ${USAGE_LINE}`);
    const version = stringFlag(args, 'version');
    const client = context.client();
    const parsed = readDataArgument(dataArgument);
    const request: InferRequest = isFullRequest(parsed) ? parsed : shorthandToRequest(parsed, await client.modelMetadata(model, version));
    if (context.json) {
      context.result(await client.inferRaw(model, request, version), () => '');
      return 0;
    }
    const result = await client.infer(model, requestToTensors(request), {
      version, outputs: requestedOutputs(request), id: request.id, parameters: request.parameters,
    });
    context.result(result, () => describe(result));
    return 0;
  },
};

function describe(result: InferResult): string {
  const lines = [`model ${result.modelName}${result.modelVersion ? ` version ${result.modelVersion}` : ''}${result.id ? ` (id ${result.id})` : ''}`];
  for (const output of result.outputs) {
    lines.push('', `${output.name}  ${output.datatype}  ${formatShape(output.shape)}`);
    lines.push(`  ${formatTensorData(output.datatype, output.shape, output.data)}`);
  }
  return lines.join('\n');
}
