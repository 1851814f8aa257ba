/** Who produces and who consumes each tensor of a model, for pattern matching. */
import {
  decodeInitializer,
  type Initializer,
  intData,
  intsAttribute,
  makeInitializer,
  type OnnxModel,
  type OnnxNode,
} from "./model.js";
import { fields } from "./wire.js";

export interface GraphIndex {
  producer: Map<string, OnnxNode>;
  consumers: Map<string, OnnxNode[]>;
}

export function indexGraph(m: OnnxModel): GraphIndex {
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of m.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) {
      if (!i) continue;
      const list = consumers.get(i) ?? [];
      list.push(n);
      consumers.set(i, list);
    }
  }
  return { producer, consumers };
}

/** Drop nodes whose outputs nobody reads (repeatedly), then initializers nobody reads. */
export function removeDeadCode(m: OnnxModel): void {
  const outputs = new Set(m.graphOutputs);
  for (;;) {
    const used = new Set(m.nodes.flatMap((n) => n.inputs));
    const live = m.nodes.filter((n) => n.outputs.some((o) => o && (used.has(o) || outputs.has(o))));
    if (live.length === m.nodes.length) break;
    m.nodes = live;
  }
  const used = new Set([...m.nodes.flatMap((n) => n.inputs), ...outputs]);
  for (const name of [...m.initializers.keys()]) if (!used.has(name)) m.initializers.delete(name);
}

/**
 * The constant value of a tensor: an initializer, the output of a `Constant` node (exporters write small values
 * such as reshape targets, scales and mask fillers that way), or an `Identity` of one (PyTorch's exporter writes
 * equal weights once and the others as Identity nodes).
 */
export function constantTensor(m: OnnxModel, g: GraphIndex, tensor: string): Initializer | undefined {
  const init = m.initializers.get(tensor);
  if (init) return init;
  const n = g.producer.get(tensor);
  if (n?.opType === "Identity" && n.domain === "") return constantTensor(m, g, n.inputs[0]);
  if (n?.opType !== "Constant" || n.domain !== "") return undefined;
  const [key, value] = [...n.attributes][0] ?? [];
  if (!key || !value) return undefined;
  if (key === "value" && "raw" in value) {
    const t = fields(value.raw).find((f) => f.num === 5)?.body;
    return t && decodeInitializer(t);
  }
  if (key === "value_float" && "f" in value) return makeInitializer(tensor, [], new Float32Array([value.f]));
  if (key === "value_int" && "i" in value)
    return makeInitializer(tensor, [], new BigInt64Array([BigInt(value.i)]));
  if (key === "value_ints" && "ints" in value)
    return makeInitializer(tensor, [value.ints.length], BigInt64Array.from(value.ints, BigInt));
  return undefined;
}

/** The `axes` of a Reduce/Unsqueeze node: an attribute before opset 13/18, a constant second input after. */
export function axesOf(m: OnnxModel, g: GraphIndex, n: OnnxNode): number[] | undefined {
  const input = n.inputs[1] ? constantTensor(m, g, n.inputs[1]) : undefined;
  return intsAttribute(n, "axes") ?? (input && intData(input));
}
