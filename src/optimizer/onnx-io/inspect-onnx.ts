import { fail } from '../../core/index.js';
import type { TensorMetadata } from '../../protocol/index.js';
import { decodeModel } from './decode-model.js';
import { describeElemType, onnxElemTypeToDatatype } from './elem-types.js';
import { DataLocation, type GraphProto, type ModelProto, type ValueInfoProto } from './onnx-types.js';
import { visitModel } from './visit-model.js';

/** Operator domains a served model may use: standard ONNX, ONNX-ML, and onnxruntime's built-in contrib ops. */
export const ALLOWED_OPERATOR_DOMAINS: ReadonlySet<string> = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft']);

/** What `inspectOnnx` learns about an uploaded model without running it. */
export interface OnnxInspection {
  irVersion: number;
  /** The declared operator sets; the default domain is reported as ''. */
  opsetImports: { domain: string; version: number }[];
  /** `producer_name`, followed by a space and `producer_version` when that is set ('' when neither is). */
  producer: string;
  /**
   * Graph inputs a client must send (initializers listed among the inputs, as IR < 4 models do, are excluded).
   * A tensor of unknown rank reports shape [] like a scalar.
   */
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/**
 * Decodes and vets an uploaded `.onnx` file and returns its serving signature.
 *
 * Dimensions are numbers where fixed and -1 where symbolic (`dim_param`) or unknown.
 *
 * @throws ServingError
 * - `INVALID_ONNX` when the bytes are not a decodable ModelProto with an ir_version, an opset_import, a graph and
 *   outputs, or a graph input/output is not a tensor of a servable element type;
 * - `ONNX_EXTERNAL_DATA` when any tensor anywhere (initializers, sparse initializers, attribute tensors, subgraphs,
 *   functions) is stored in an external file;
 * - `ONNX_CUSTOM_DOMAIN` when a node or opset_import uses a domain outside `ALLOWED_OPERATOR_DOMAINS`.
 * @example
 * const { inputs, outputs } = inspectOnnx(await readFile('model.onnx'));
 */
export function inspectOnnx(bytes: Uint8Array): OnnxInspection {
  if (bytes.length === 0) fail('INVALID_ONNX', 'not an ONNX model: the file is empty');
  const model = decodeModel(bytes);
  const graph = checkStructure(model);
  checkExternalData(model);
  checkDomains(model);
  const initializerNames = new Set<string>();
  for (const tensor of graph.initializer) initializerNames.add(tensor.name ?? '');
  for (const sparse of graph.sparseInitializer) initializerNames.add(sparse.values?.name ?? '');
  return {
    irVersion: model.irVersion ?? 0,
    opsetImports: model.opsetImport.map((opset) => ({ domain: opset.domain ?? '', version: opset.version ?? 0 })),
    producer: [model.producerName, model.producerVersion].filter((part) => part).join(' '),
    inputs: graph.input.filter((input) => !initializerNames.has(input.name ?? '')).map((input) => signatureOf(input, 'input')),
    outputs: graph.output.map((output) => signatureOf(output, 'output')),
  };
}

function checkStructure(model: ModelProto): GraphProto {
  if (!model.irVersion) fail('INVALID_ONNX', 'not an ONNX model: ir_version is missing');
  const { graph } = model;
  if (!graph) fail('INVALID_ONNX', 'not an ONNX model: it has no graph');
  if (model.opsetImport.length === 0) {
    fail('INVALID_ONNX', 'not a usable ONNX model: opset_import is empty, so no operator set version is declared');
  }
  if (graph.output.length === 0) fail('INVALID_ONNX', `not a usable ONNX model: graph '${graph.name ?? ''}' has no outputs`);
  return graph;
}

function checkExternalData(model: ModelProto): void {
  visitModel(model, {
    tensor(tensor, where) {
      if (tensor.dataLocation !== DataLocation.EXTERNAL && tensor.externalData.length === 0) return;
      const location = tensor.externalData.find((entry) => entry.key === 'location')?.value ?? '';
      fail('ONNX_EXTERNAL_DATA',
        `tensor '${tensor.name ?? ''}' (${where}) stores its data in an external file ${JSON.stringify(location)}; `
        + 'external data is refused: save the model with all tensors embedded in the .onnx file',
        { tensor: tensor.name ?? '', location, where });
    },
  });
}

function checkDomains(model: ModelProto): void {
  visitModel(model, {
    node(node, where) {
      const domain = node.domain ?? '';
      if (ALLOWED_OPERATOR_DOMAINS.has(domain)) return;
      fail('ONNX_CUSTOM_DOMAIN',
        `op '${node.opType ?? ''}' of node '${node.name ?? ''}' (${where}) is in custom operator domain '${domain}'; `
        + `only ${describeAllowedDomains()} are served`,
        { domain, op: node.opType ?? '', where });
    },
  });
  for (const opset of model.opsetImport) {
    const domain = opset.domain ?? '';
    if (ALLOWED_OPERATOR_DOMAINS.has(domain)) continue;
    fail('ONNX_CUSTOM_DOMAIN',
      `opset_import declares custom operator domain '${domain}' (version ${opset.version ?? '?'}); `
      + `only ${describeAllowedDomains()} are served`,
      { domain });
  }
}

function describeAllowedDomains(): string {
  return [...ALLOWED_OPERATOR_DOMAINS].map((domain) => `'${domain}'`).join(', ');
}

function signatureOf(info: ValueInfoProto, role: 'input' | 'output'): TensorMetadata {
  const name = info.name ?? '';
  const tensorType = info.type?.tensorType;
  if (!tensorType) {
    const kind = Object.keys(info.type ?? {}).find((key) => key.endsWith('Type')) ?? 'no type';
    fail('INVALID_ONNX', `graph ${role} '${name}' is not a tensor (${kind}); only tensor inputs and outputs are served`);
  }
  const datatype = onnxElemTypeToDatatype(tensorType.elemType ?? 0);
  if (!datatype) {
    fail('INVALID_ONNX', `graph ${role} '${name}' has element type ${describeElemType(tensorType.elemType)}, which cannot be served`);
  }
  const shape = (tensorType.shape?.dim ?? []).map((dim) => (dim.dimValue !== undefined && dim.dimValue >= 0 ? dim.dimValue : -1));
  return { name, datatype, shape };
}
