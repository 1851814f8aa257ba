/**
 * A classifier reads only the first token of the last layer (BERT's pooler, RoBERTa's head: `Gather(h, 0, axis 1)`),
 * yet the exported graph computes the whole last layer for every token. Everything after the last self-attention
 * is token-wise (projections, biases, residuals, layer norms, GELU), so it can run on token 0 alone:
 *
 *   Attention(X, [Wq|Wk|Wv], [bq|bk|bv], mask)            → [B, S, H], then token-wise layers on [B, S, H]
 *
 * becomes MultiHeadAttention(X[:, :1]·Wq + bq, X·Wk + bk, X·Wv + bv, mask) → [B, 1, H], and the residual reads
 * X[:, :1]. Keys and values still see every token, so the first token's result is the same; the rest of the last
 * layer (≈ 1/7 of MiniLM-L6's multiply-adds) is skipped. Applied only when every path from the last attention to
 * the graph's outputs is token-wise and ends in such a Gather; a graph that returns token embeddings (ColBERT)
 * or pools over tokens is left as it is.
 */
import { axesOf, constantTensor, type GraphIndex, indexGraph } from "./index.js";
import {
  floatData,
  intAttribute,
  intData,
  makeInitializer,
  type OnnxModel,
  type OnnxNode,
  renameInput,
} from "./model.js";

/** Ops that act on each token's vector alone (given the input checks in `tokenWise`). */
const ELEMENTWISE = new Set([
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Erf",
  "Tanh",
  "Relu",
  "Sigmoid",
  "Sqrt",
  "Identity",
]);
const LAST_AXIS = new Set([-1, 2]);

/** A constant that broadcasts along the last axis only (a scalar, a per-feature vector). */
function perFeature(m: OnnxModel, g: GraphIndex, tensor: string): boolean {
  const c = constantTensor(m, g, tensor);
  return c?.dims.slice(0, -1).every((d) => d === 1) ?? false;
}

/** Whether node `n`, reading region tensors, keeps each token's result a function of that token alone. */
function tokenWise(m: OnnxModel, g: GraphIndex, n: OnnxNode, region: Set<string>): boolean {
  if (n.domain !== "") return false;
  const others = n.inputs.filter((i) => i && !region.has(i));
  if (n.opType === "MatMul")
    return region.has(n.inputs[0]) && constantTensor(m, g, n.inputs[1])?.dims.length === 2;
  if (n.opType === "ReduceMean") {
    const axes = axesOf(m, g, n);
    return (
      intAttribute(n, "keepdims") !== 0 &&
      axes?.length === 1 &&
      LAST_AXIS.has(axes[0]) &&
      region.has(n.inputs[0])
    );
  }
  if (n.opType === "LayerNormalization") {
    const axis = intAttribute(n, "axis") ?? -1;
    return LAST_AXIS.has(axis) && region.has(n.inputs[0]) && others.every((i) => perFeature(m, g, i));
  }
  return ELEMENTWISE.has(n.opType) && others.every((i) => perFeature(m, g, i));
}

/** `Gather(h, 0, axis = 1)`: the classifier's read of the first token. */
function firstTokenGather(m: OnnxModel, g: GraphIndex, n: OnnxNode): boolean {
  if (n.opType !== "Gather" || n.domain !== "" || intAttribute(n, "axis") !== 1) return false;
  const index = constantTensor(m, g, n.inputs[1]);
  const value = index && intData(index);
  return value?.length === 1 && value[0] === 0;
}

/**
 * The tensors downstream of the attention output and of X (other than the attention's own read of X), if every
 * node reading them is token-wise or a first-token Gather and none is a graph output; otherwise undefined.
 */
function tokenWiseRegion(m: OnnxModel, g: GraphIndex, attention: OnnxNode): Set<string> | undefined {
  const region = new Set([attention.outputs[0], attention.inputs[0]]);
  const outputs = new Set(m.graphOutputs);
  const start = m.nodes.indexOf(attention);
  for (const n of m.nodes.slice(start + 1)) {
    if (!n.inputs.some((i) => region.has(i))) continue;
    if (firstTokenGather(m, g, n) && region.has(n.inputs[0])) continue;
    if (!tokenWise(m, g, n, region)) return undefined;
    for (const o of n.outputs) region.add(o);
  }
  // X's other readers must come after the attention (they are the residual); region tensors must not leave.
  const early = m.nodes.slice(0, start).some((n) => n.inputs.includes(attention.inputs[0]));
  return early || [...region].some((t) => outputs.has(t)) ? undefined : region;
}

function columns(w: Float32Array, rows: number, from: number, width: number, stride: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(w.subarray(r * stride + from, r * stride + from + width), r * width);
  return out;
}

/** Rewrites the last fused Attention as described above; returns whether it did. */
export function pruneToFirstToken(m: OnnxModel): boolean {
  const attention = m.nodes.findLast((n) => n.opType === "Attention" && n.domain === "com.microsoft");
  if (attention?.inputs.length !== 4) return false;
  const g = indexGraph(m);
  const region = tokenWiseRegion(m, g, attention);
  const weight = m.initializers.get(attention.inputs[1]);
  const bias = m.initializers.get(attention.inputs[2]);
  const w = weight && floatData(weight);
  const b = bias && floatData(bias);
  if (!region || !weight || !w || !b || weight.dims.length !== 2) return false;
  const [rows, width] = weight.dims;
  const hidden = width / 3;

  const x = attention.inputs[0];
  const name = attention.name || attention.outputs[0];
  const first = `${name}/first_token`;
  const nodes: OnnxNode[] = [];
  const node = (opType: string, inputs: string[], output: string): string => {
    nodes.push({ opType, domain: "", name: output, inputs, outputs: [output], attributes: new Map() });
    return output;
  };
  m.initializers.set(`${first}/index`, makeInitializer(`${first}/index`, [1], new BigInt64Array([0n])));
  nodes.push({
    opType: "Gather",
    domain: "",
    name: first,
    inputs: [x, `${first}/index`],
    outputs: [first],
    attributes: new Map([["axis", { i: 1 }]]),
  });
  const [q, k, v] = ["q", "k", "v"].map((part, i) => {
    const wName = `${name}/${part}_weight`;
    const bName = `${name}/${part}_bias`;
    m.initializers.set(
      wName,
      makeInitializer(wName, [rows, hidden], columns(w, rows, i * hidden, hidden, width)),
    );
    m.initializers.set(bName, makeInitializer(bName, [hidden], b.slice(i * hidden, (i + 1) * hidden)));
    const projected = node("MatMul", [part === "q" ? first : x, wName], `${name}/${part}_matmul`);
    return node("Add", [projected, bName], `${name}/${part}`);
  });
  nodes.push({
    opType: "MultiHeadAttention",
    domain: "com.microsoft",
    name: `${name}/first_token_attention`,
    inputs: [q, k, v, "", attention.inputs[3]],
    outputs: [...attention.outputs],
    attributes: attention.attributes,
  });
  // X's other readers (the residual) all come after the attention and are token-wise: they take X[:, :1].
  for (const n of m.nodes) if (n !== attention) renameInput(n, x, first);
  m.nodes.splice(m.nodes.indexOf(attention), 1, ...nodes);
  return true;
}
