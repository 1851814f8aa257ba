/**
 * Multi-head self-attention as exported from PyTorch BERT-style encoders, fused into onnxruntime's `Attention`
 * contrib operator (one QKV projection, masking, softmax and the per-head products in one kernel, no transposes):
 *
 *   Q = Transpose(Reshape(X·Wq + bq, [B, S, H, d]))        K, V alike
 *   P = Softmax(Q·Kᵀ · scale + (1 − mask) · filter)
 *   O = Reshape(Transpose(P·V), [B, S, H·d])
 *
 * becomes O = Attention(X, [Wq|Wk|Wv], [bq|bk|bv], int32(mask)). Each piece is checked (shapes of the weights,
 * permutations, the mask's algebra); anything else is left as it was.
 */
import { axesOf, constantTensor, type GraphIndex, indexGraph } from "./index.js";
import {
  floatData,
  INT32,
  intAttribute,
  intData,
  intsAttribute,
  makeInitializer,
  type OnnxModel,
  type OnnxNode,
  scalar,
} from "./model.js";

interface Projection {
  /** [in, out], row-major. */
  weight: Float32Array;
  out: number;
  bias: Float32Array;
  input: string;
  nodes: OnnxNode[];
}

/** A mask term (1 − mask) · filter built from a 2-D graph input, broadcast to [B, 1, 1, S]. */
interface MaskTerm {
  input: string;
  filter: number;
}

/** The one node that reads a tensor's values (`Shape` nodes only read its dimensions and go when it goes). */
function only(g: GraphIndex, tensor: string): OnnxNode | undefined {
  const c = g.consumers.get(tensor)?.filter((n) => n.opType !== "Shape");
  return c?.length === 1 ? c[0] : undefined;
}

function perm(n: OnnxNode | undefined): string {
  return (n && intsAttribute(n, "perm"))?.join(",") ?? "";
}

/** X·W + b with W [in, out] and b [out] float initializers. */
function projection(m: OnnxModel, g: GraphIndex, tensor: string): Projection | undefined {
  const add = g.producer.get(tensor);
  if (add?.opType !== "Add" || add.domain !== "") return undefined;
  for (const [mi, bi] of [
    [0, 1],
    [1, 0],
  ]) {
    const mm = g.producer.get(add.inputs[mi]);
    const b = constantTensor(m, g, add.inputs[bi]);
    if (mm?.opType !== "MatMul" || !b || only(g, mm.outputs[0]) !== add) continue;
    const w = constantTensor(m, g, mm.inputs[1]);
    if (w?.dims.length !== 2 || b.dims.length !== 1 || b.dims[0] !== w.dims[1]) continue;
    const weight = floatData(w);
    const bias = floatData(b);
    if (!weight || !bias) continue;
    return { weight, out: w.dims[1], bias, input: mm.inputs[0], nodes: [mm, add] };
  }
  return undefined;
}

/** Transpose(Reshape(projection, [*, *, heads, size])) with the given permutation. */
function headsOf(m: OnnxModel, g: GraphIndex, tensor: string, permutation: string) {
  const t = g.producer.get(tensor);
  if (t?.opType !== "Transpose" || perm(t) !== permutation) return undefined;
  const r = g.producer.get(t.inputs[0]);
  if (r?.opType !== "Reshape" || only(g, r.outputs[0]) !== t) return undefined;
  const shape = reshapeTail(m, g, r.inputs[1], 4, 2);
  const p = projection(m, g, r.inputs[0]);
  if (!shape || !p || only(g, r.inputs[0]) !== r || shape[0] * shape[1] !== p.out) return undefined;
  return { ...p, heads: shape[0], size: shape[1], nodes: [...p.nodes, r, t] };
}

/**
 * The last `count` entries of a Reshape's target shape of `rank` entries, when they are positive constants: from
 * an initializer, or a Concat of scalars (batch and sequence come from Shape nodes or are 0 / -1).
 */
function reshapeTail(
  m: OnnxModel,
  g: GraphIndex,
  tensor: string,
  rank: number,
  count: number,
): number[] | undefined {
  const init = constantTensor(m, g, tensor);
  let tail: (number | undefined)[];
  if (init) {
    const v = intData(init);
    if (v?.length !== rank) return undefined;
    tail = v.slice(rank - count);
  } else {
    const concat = g.producer.get(tensor);
    if (concat?.opType !== "Concat" || concat.inputs.length !== rank) return undefined;
    tail = concat.inputs.slice(rank - count).map((i) => {
      const c = constantTensor(m, g, i);
      const v = c && intData(c);
      return v?.length === 1 ? v[0] : undefined;
    });
  }
  return tail.every((x) => x !== undefined && x > 0) ? (tail as number[]) : undefined;
}

/** (1 − Cast(Unsqueeze(mask, 1, 2))) · filter, in any order of Unsqueeze and Cast. */
function maskTerm(m: OnnxModel, g: GraphIndex, tensor: string): MaskTerm | undefined {
  const mul = g.producer.get(tensor);
  if (mul?.opType !== "Mul") return undefined;
  for (const [si, ci] of [
    [0, 1],
    [1, 0],
  ]) {
    const filter = scalar(constantTensor(m, g, mul.inputs[ci]));
    const sub = g.producer.get(mul.inputs[si]);
    if (filter === undefined || !(filter <= -1e4) || sub?.opType !== "Sub") continue;
    if (scalar(constantTensor(m, g, sub.inputs[0])) !== 1) continue;
    let at = sub.inputs[1];
    const axes: number[] = [];
    let cast = false;
    for (;;) {
      const n = g.producer.get(at);
      if (!n) break;
      if (n.opType === "Cast") cast = true;
      else if (n.opType === "Unsqueeze") {
        const list = axesOf(m, g, n);
        if (!list) return undefined;
        axes.push(...list);
      } else return undefined;
      at = n.inputs[0];
    }
    // Innermost Unsqueeze first: [1] then [2] (or one Unsqueeze [1, 2]) turn [B, S] into [B, 1, 1, S].
    if (!m.graphInputs.includes(at) || !cast || axes.sort().join(",") !== "1,2") return undefined;
    return { input: at, filter };
  }
  return undefined;
}

/** Q·Kᵀ and its scale: FusedMatMul(alpha), or MatMul followed by Div or Mul by a constant. */
function scores(m: OnnxModel, g: GraphIndex, tensor: string) {
  const n = g.producer.get(tensor);
  if (n?.opType === "FusedMatMul" && n.domain === "com.microsoft") {
    const alpha = n.attributes.get("alpha");
    const flags = ["transA", "transB", "transBatchA", "transBatchB"].map((k) => intAttribute(n, k) ?? 0);
    if (flags[0] || flags[2] || flags[3]) return undefined;
    return {
      q: n.inputs[0],
      k: n.inputs[1],
      kPerm: flags[1] ? "0,2,1,3" : "0,2,3,1",
      scale: alpha && "f" in alpha ? alpha.f : 1,
      nodes: [n],
    };
  }
  if ((n?.opType === "Div" || n?.opType === "Mul") && n.domain === "") {
    const c = scalar(constantTensor(m, g, n.inputs[1]));
    const mm = g.producer.get(n.inputs[0]);
    if (c === undefined || c === 0 || mm?.opType !== "MatMul" || only(g, mm.outputs[0]) !== n)
      return undefined;
    return {
      q: mm.inputs[0],
      k: mm.inputs[1],
      kPerm: "0,2,3,1",
      scale: n.opType === "Div" ? 1 / c : c,
      nodes: [mm, n],
    };
  }
  return undefined;
}

function interleave(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  rows: number,
  cols: number,
): Float32Array {
  const out = new Float32Array(rows * cols * 3);
  for (let r = 0; r < rows; r++) {
    out.set(q.subarray(r * cols, (r + 1) * cols), r * cols * 3);
    out.set(k.subarray(r * cols, (r + 1) * cols), r * cols * 3 + cols);
    out.set(v.subarray(r * cols, (r + 1) * cols), r * cols * 3 + 2 * cols);
  }
  return out;
}

/** Fuse every matching self-attention block; returns how many were fused. */
export function fuseAttention(m: OnnxModel): number {
  let fused = 0;
  const maskCasts = new Map<string, string>();
  for (const softmax of m.nodes.filter((n) => n.opType === "Softmax" && n.domain === "")) {
    const g = indexGraph(m);
    const axis = intAttribute(softmax, "axis");
    if (axis !== undefined && axis !== -1 && axis !== 3) continue;
    const add = g.producer.get(softmax.inputs[0]);
    if (add?.opType !== "Add" || only(g, add.outputs[0]) !== softmax) continue;
    const [si, mi] = maskTerm(m, g, add.inputs[1]) ? [0, 1] : [1, 0];
    const s = scores(m, g, add.inputs[si]);
    const mask = maskTerm(m, g, add.inputs[mi]);
    if (!s || !mask || only(g, add.inputs[si]) !== add) continue;
    const q = headsOf(m, g, s.q, "0,2,1,3");
    const k = headsOf(m, g, s.k, s.kPerm);
    const pv = only(g, softmax.outputs[0]);
    if (!q || !k || pv?.opType !== "MatMul" || pv.inputs[0] !== softmax.outputs[0]) continue;
    const v = headsOf(m, g, pv.inputs[1], "0,2,1,3");
    const back = only(g, pv.outputs[0]);
    const out = back && only(g, back.outputs[0]);
    if (!v || back?.opType !== "Transpose" || perm(back) !== "0,2,1,3" || out?.opType !== "Reshape") continue;
    const hidden = q.heads * q.size;
    const rows = q.weight.length / hidden;
    const same =
      q.input === k.input &&
      q.input === v.input &&
      [k, v].every((p) => p.heads === q.heads && p.size === q.size && p.weight.length === q.weight.length) &&
      reshapeTail(m, g, out.inputs[1], 3, 1)?.[0] === hidden;
    if (!same || [q, k, v].some((p) => only(g, p.nodes[p.nodes.length - 1].outputs[0]) === undefined))
      continue;

    let maskInt = maskCasts.get(mask.input);
    if (!maskInt) {
      maskInt = `${mask.input}/int32`;
      maskCasts.set(mask.input, maskInt);
      // The mask is a graph input (maskTerm checks), so the Cast can go first.
      m.nodes.unshift({
        opType: "Cast",
        domain: "",
        name: `${maskInt}/Cast`,
        inputs: [mask.input],
        outputs: [maskInt],
        attributes: new Map([["to", { i: INT32 }]]),
      });
    }
    const name = `${out.name || out.outputs[0]}/Attention`;
    m.initializers.set(
      `${name}/qkv_weight`,
      makeInitializer(
        `${name}/qkv_weight`,
        [rows, 3 * hidden],
        interleave(q.weight, k.weight, v.weight, rows, hidden),
      ),
    );
    m.initializers.set(
      `${name}/qkv_bias`,
      makeInitializer(`${name}/qkv_bias`, [3 * hidden], interleave(q.bias, k.bias, v.bias, 1, hidden)),
    );
    const attributes = new Map<string, { i: number } | { f: number }>([
      ["num_heads", { i: q.heads }],
      ["mask_filter_value", { f: mask.filter }],
    ]);
    if (Math.abs(s.scale * Math.sqrt(q.size) - 1) > 1e-6) attributes.set("scale", { f: s.scale });
    const attention: OnnxNode = {
      opType: "Attention",
      domain: "com.microsoft",
      name,
      inputs: [q.input, `${name}/qkv_weight`, `${name}/qkv_bias`, maskInt],
      outputs: [...out.outputs],
      attributes,
    };
    const removed = new Set([...q.nodes, ...k.nodes, ...v.nodes, ...s.nodes, add, softmax, pv, back, out]);
    m.nodes.splice(m.nodes.indexOf(out), 1, attention);
    m.nodes = m.nodes.filter((n) => !removed.has(n));
    fused++;
  }
  if (fused > 0 && !m.opsets.has("com.microsoft")) m.opsets.set("com.microsoft", 1);
  return fused;
}
