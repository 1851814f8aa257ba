/**
 * The tensors a causal LM reranker feeds and reads: left-padded rows, the empty `past_key_values.*` cache
 * and flags that merged decoder exports declare, and a few logits picked at one position. No I/O.
 */
import { ModelFilesError, ModelOutputError } from "../core/errors.js";
import type { IoInfo, TensorInput, TensorOutput } from "../engine/onnx.js";

/** A batch of token rows, left padded so that every row's last real token sits in the last column. */
export interface LeftPaddedBatch {
  inputIds: TensorInput;
  attentionMask: TensorInput;
  /**
   * Real tokens get 0..n-1 and pads 1 (transformers' `cumsum(mask) - 1` convention), so a padded row sees the
   * positions of its unpadded self. RoPE models score identically with `arange` over the padded row; models with
   * absolute positions only agree with this.
   */
  positionIds: TensorInput;
  batch: number;
  width: number;
}

export function leftPad(rows: readonly (readonly number[])[], padId: number): LeftPaddedBatch {
  const batch = rows.length;
  const width = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const ids = new BigInt64Array(batch * width);
  const mask = new BigInt64Array(batch * width);
  const pos = new BigInt64Array(batch * width);
  for (let r = 0; r < batch; r++) {
    const row = rows[r];
    const offset = width - row.length;
    for (let c = 0; c < width; c++) {
      const at = r * width + c;
      if (c < offset) {
        ids[at] = BigInt(padId);
        pos[at] = 1n;
      } else {
        ids[at] = BigInt(row[c - offset]);
        mask[at] = 1n;
        pos[at] = BigInt(c - offset);
      }
    }
  }
  const dims = [batch, width];
  return {
    inputIds: { type: "int64", data: ids, dims },
    attentionMask: { type: "int64", data: mask, dims: [...dims] },
    positionIds: { type: "int64", data: pos, dims: [...dims] },
    batch,
    width,
  };
}

/** KV-cache geometry from config.json (Qwen2/Llama/Mistral names; `text_config` for multimodal wrappers). */
export interface KvGeometry {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
}

// biome-ignore lint/suspicious/noExplicitAny: config.json is free-form
export function kvGeometry(config: Record<string, any>): KvGeometry {
  const c = config.text_config ?? config;
  const numLayers = c.num_hidden_layers ?? c.n_layer ?? c.num_layers;
  const numHeads = c.num_attention_heads ?? c.n_head;
  const numKvHeads = c.num_key_value_heads ?? c.num_kv_heads ?? numHeads;
  const headDim = c.head_dim ?? (c.hidden_size ?? c.n_embd) / numHeads;
  for (const [name, v] of [
    ["num_hidden_layers", numLayers],
    ["num_key_value_heads", numKvHeads],
    ["head_dim", headDim],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new ModelFilesError(`config.json gives no usable ${name} for the past_key_values inputs`);
  }
  return { numLayers, numKvHeads, headDim };
}

const PAST_INPUT = /^past_key_values\.(\d+)\.(key|value)$/;
export const LOGITS_TO_KEEP: ReadonlySet<string> = new Set(["num_logits_to_keep", "logits_to_keep"]);

export function isPastInput(name: string): boolean {
  return PAST_INPUT.test(name);
}

/**
 * The extra feeds of a decoder export that can continue from a cache: an empty cache
 * `[batch, kv_heads, 0, head_dim]` for each declared `past_key_values.{i}.key|value`, `use_cache_branch = false`,
 * and `logits_to_keep = 1` so that the graph computes only the last position's logits. Fixed dims in the
 * input metadata win over config.json.
 */
export function cacheFeeds(
  inputs: readonly IoInfo[],
  // biome-ignore lint/suspicious/noExplicitAny: config.json is free-form
  config: Record<string, any>,
  batch: number,
): Record<string, TensorInput> {
  const feeds: Record<string, TensorInput> = {};
  let geometry: KvGeometry | undefined;
  for (const input of inputs) {
    if (PAST_INPUT.test(input.name)) {
      if (input.type !== "float32" && input.type !== "float16") {
        throw new ModelFilesError(
          `input ${input.name} is ${input.type}; past_key_values must be float32 or float16`,
        );
      }
      geometry ??= kvGeometry(config);
      const fixed = (i: number, fallback: number) =>
        typeof input.shape[i] === "number" ? (input.shape[i] as number) : fallback;
      const dims = [batch, fixed(1, geometry.numKvHeads), 0, fixed(3, geometry.headDim)];
      feeds[input.name] =
        input.type === "float16"
          ? { type: "float16", data: new Uint16Array(0), dims }
          : { type: "float32", data: new Float32Array(0), dims };
    } else if (input.name === "use_cache_branch") {
      feeds[input.name] = { type: "bool", data: Uint8Array.of(0), dims: input.shape.length === 0 ? [] : [1] };
    } else if (LOGITS_TO_KEEP.has(input.name)) {
      feeds[input.name] = {
        type: "int64",
        data: BigInt64Array.of(1n),
        dims: input.shape.length === 0 ? [] : [1],
      };
    }
  }
  return feeds;
}

/**
 * Read `tokenIds` logits at one position of each row from logits `[b, s, vocab]` (or `[b, vocab]`) without
 * copying the tensor. A graph that kept only the last position (`s == 1`) is read at 0. Row-major `[b, k]`.
 */
export function pickLogits(
  logits: TensorOutput,
  positions: readonly number[],
  tokenIds: readonly number[],
): Float64Array {
  const { data, dims } = logits;
  const batch = positions.length;
  if (dims.length < 2 || dims.length > 3 || dims[0] !== batch) {
    throw new ModelOutputError(`expected logits [${batch}, seq, vocab], got [${dims.join(", ")}]`);
  }
  const vocab = dims[dims.length - 1];
  const seq = dims.length === 3 ? dims[1] : 1;
  const out = new Float64Array(batch * tokenIds.length);
  for (let r = 0; r < batch; r++) {
    const pos = seq === 1 ? 0 : positions[r];
    if (pos < 0 || pos >= seq)
      throw new ModelOutputError(`logits have ${seq} positions, position ${pos} asked`);
    const base = (r * seq + pos) * vocab;
    for (let k = 0; k < tokenIds.length; k++) {
      const id = tokenIds[k];
      if (id < 0 || id >= vocab)
        throw new ModelOutputError(`token id ${id} is outside the logits' vocabulary of ${vocab}`);
      out[r * tokenIds.length + k] = data[base + id];
    }
  }
  return out;
}
