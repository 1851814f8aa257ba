/**
 * Offline graph fusions for transformer encoders, applied before onnxruntime loads a model. onnxruntime fuses
 * layer norms and GELUs itself at load time, but not attention when the sequence length is dynamic; this adds that
 * (see fuse-attention.ts). The result is checked as a whole: if anything is left dangling, nothing is changed.
 */
import { pruneToFirstToken } from "./first-token.js";
import { fuseAttention } from "./fuse-attention.js";
import { removeDeadCode } from "./index.js";
import { type OnnxModel, parseModel, serializeModel } from "./model.js";
import { fields } from "./wire.js";

export interface FusedGraph {
  /** The new model's encoding in order (see serializeModel). */
  chunks: Uint8Array[];
  /** Attention blocks fused. */
  attention: number;
  /** Whether the last layer now runs on the first token only (first-token.ts). */
  firstToken: boolean;
}

const GRAPH_ATTRIBUTE = 5;
const GRAPHS_ATTRIBUTE = 10;
const EXTERNAL = 1;

/** Subgraphs read outer tensors implicitly, and external weights are resolved next to the original file. */
function rewritable(m: OnnxModel): boolean {
  const subgraphs = m.nodes.some((n) =>
    [...n.attributes.values()].some(
      (a) => "raw" in a && (a.type === GRAPH_ATTRIBUTE || a.type === GRAPHS_ATTRIBUTE),
    ),
  );
  const external = [...m.initializers.values()].some((t) =>
    fields(t.encoded).some((f) => f.num === 14 && f.value === EXTERNAL),
  );
  return !subgraphs && !external;
}

function wellFormed(m: OnnxModel): boolean {
  const known = new Set([
    "",
    ...m.graphInputs,
    ...m.initializers.keys(),
    ...m.nodes.flatMap((n) => n.outputs),
  ]);
  return (
    m.nodes.every((n) => n.inputs.every((i) => known.has(i))) && m.graphOutputs.every((o) => known.has(o))
  );
}

/** The fused model, or undefined when nothing matched (or the model is not one this can rewrite safely). */
export function fuseEncoderGraph(bytes: Uint8Array): FusedGraph | undefined {
  const m = parseModel(bytes);
  if (!rewritable(m)) return undefined;
  const attention = fuseAttention(m);
  if (attention === 0) return undefined;
  removeDeadCode(m);
  const firstToken = pruneToFirstToken(m);
  removeDeadCode(m);
  if (!wellFormed(m)) return undefined;
  return { chunks: serializeModel(m), attention, firstToken };
}
