import type {
  AttributeProto, GraphProto, ModelProto, NodeProto, SparseTensorProto, TensorProto,
} from './onnx-types.js';

/**
 * Callbacks for `visitModel`. `where` describes the path to the item for error messages, e.g.
 * `graph 'main' > node 'loop' (Loop) attribute 'body' > graph 'body' initializer 'w'`.
 */
export interface ModelVisitor {
  /** Every TensorProto: initializers, sparse initializers' values and indices, and attribute tensors. */
  tensor?(tensor: TensorProto, where: string): void;
  /** Every node, in graphs, subgraphs (If/Loop/Scan bodies), model-local functions and training graphs. */
  node?(node: NodeProto, where: string): void;
}

/**
 * Walks every graph of a model — the main graph, subgraph attributes at any depth, model-local function bodies and
 * training-info graphs — calling the visitor for each tensor and node. Decoded models nest at most
 * `MAX_GRAPH_DEPTH` levels, so the recursion is bounded.
 *
 * @example
 * visitModel(model, { node: (node) => ops.add(node.opType ?? '') });
 */
export function visitModel(model: ModelProto, visitor: ModelVisitor): void {
  if (model.graph) visitGraph(model.graph, `graph ${quote(model.graph.name)}`, visitor);
  for (const fn of model.functions) {
    const where = `function ${quote(fn.domain)}::${quote(fn.name)}`;
    for (const node of fn.node) visitNode(node, where, visitor);
    for (const attribute of fn.attributeProto) {
      visitAttributeValues(attribute, `${where} attribute ${quote(attribute.name)}`, visitor);
    }
  }
  model.trainingInfo.forEach((info, index) => {
    if (info.initialization) visitGraph(info.initialization, `training_info[${index}] initialization`, visitor);
    if (info.algorithm) visitGraph(info.algorithm, `training_info[${index}] algorithm`, visitor);
  });
}

function visitGraph(graph: GraphProto, where: string, visitor: ModelVisitor): void {
  for (const tensor of graph.initializer) visitor.tensor?.(tensor, `${where} initializer ${quote(tensor.name)}`);
  graph.sparseInitializer.forEach((sparse, index) => {
    visitSparse(sparse, `${where} sparse_initializer[${index}]`, visitor);
  });
  for (const node of graph.node) visitNode(node, where, visitor);
}

function visitNode(node: NodeProto, graphWhere: string, visitor: ModelVisitor): void {
  const where = `${graphWhere} > node ${quote(node.name)} (${node.opType ?? '?'})`;
  visitor.node?.(node, where);
  for (const attribute of node.attribute) {
    visitAttributeValues(attribute, `${where} attribute ${quote(attribute.name)}`, visitor);
  }
}

function visitAttributeValues(attribute: AttributeProto, where: string, visitor: ModelVisitor): void {
  if (attribute.t) visitor.tensor?.(attribute.t, `${where} tensor ${quote(attribute.t.name)}`);
  attribute.tensors.forEach((tensor, index) => visitor.tensor?.(tensor, `${where} tensors[${index}] ${quote(tensor.name)}`));
  if (attribute.sparseTensor) visitSparse(attribute.sparseTensor, `${where} sparse_tensor`, visitor);
  attribute.sparseTensors.forEach((sparse, index) => visitSparse(sparse, `${where} sparse_tensors[${index}]`, visitor));
  if (attribute.g) visitGraph(attribute.g, `${where} > graph ${quote(attribute.g.name)}`, visitor);
  attribute.graphs.forEach((graph, index) => visitGraph(graph, `${where} > graphs[${index}] ${quote(graph.name)}`, visitor));
}

function visitSparse(sparse: SparseTensorProto, where: string, visitor: ModelVisitor): void {
  if (sparse.values) visitor.tensor?.(sparse.values, `${where} values ${quote(sparse.values.name)}`);
  if (sparse.indices) visitor.tensor?.(sparse.indices, `${where} indices ${quote(sparse.indices.name)}`);
}

function quote(name: string | undefined): string {
  return `'${name ?? ''}'`;
}
