/**
 * Facts about a model read from its files, without I/O: ONNX weight variants (dtype -> file name), the parsed
 * JSON of a model folder, and the maximum pair length. Shared by the Node loader (model-files.ts) and the browser.
 */
import { InvalidInputError } from "../core/errors.js";

/** ONNX weight variants, named as in Optimum / transformers.js exports. */
export type Dtype = "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";

const SUFFIX: Readonly<Record<Dtype, string>> = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

export const DTYPES = Object.keys(SUFFIX) as Dtype[];

/** Validate a user-supplied dtype (also accepts "float32", "float16", "quantized"). */
export function parseDtype(value: unknown): Dtype {
  if (value === undefined || value === null) return "fp32";
  const v = String(value).toLowerCase();
  const alias: Record<string, Dtype> = { float32: "fp32", float16: "fp16", quantized: "q8" };
  const d = (alias[v] ?? v) as Dtype;
  if (!(d in SUFFIX))
    throw new InvalidInputError(`unknown dtype "${String(value)}"; use one of ${DTYPES.join(", ")}`);
  return d;
}

// biome-ignore lint/suspicious/noExplicitAny: Hugging Face JSON files are free-form
type Json = Record<string, any>;

export interface ModelFolder {
  dir: string;
  config: Json;
  tokenizerConfig: Json;
  specialTokensMap: Json;
}

/** ("model", "q8") -> "onnx/model_quantized.onnx". */
export function onnxFileName(base: string, dtype: Dtype): string {
  return `onnx/${base}${SUFFIX[dtype]}.onnx`;
}

/** Where the `base` weights for this dtype may stand, relative to the folder: `onnx/<name>`, then `<name>`. */
export function onnxVariantPaths(base: string, dtype: Dtype): [string, string] {
  const rel = onnxFileName(base, dtype);
  return [rel, rel.slice("onnx/".length)];
}

/** Download candidates ("the first of these that exists"): the user's `onnxFile`, else the dtype variant. */
export function onnxFileCandidates(onnxFile: string | undefined, base: string, dtype: Dtype): string[] {
  return onnxFile ? [onnxFile, `onnx/${onnxFile}`] : onnxVariantPaths(base, dtype);
}

/** Transformers uses int(1e30) for "no limit". */
const UNSET = 1e9;

/**
 * The tokenizer's model_max_length, else config.max_position_embeddings (minus the RoBERTa position offset
 * of pad_token_id + 1 when the config says the model is RoBERTa-like), else 512.
 */
/**
 * The most tokens the model's position embeddings allow, or undefined when positions are relative (DeBERTa with
 * `position_biased_input: false`, `position_embedding_type` other than absolute) or unknown.
 */
export function positionLimit(folder: ModelFolder): number | undefined {
  const { config } = folder;
  const positions = config.max_position_embeddings;
  if (typeof positions !== "number" || positions <= 0) return undefined;
  if (config.position_biased_input === false) return undefined;
  if (config.position_embedding_type !== undefined && config.position_embedding_type !== "absolute")
    return undefined;
  // RoBERTa-style models start positions after the pad id.
  const robertaLike = /roberta|camembert/.test(String(config.model_type ?? ""));
  return positions - (robertaLike ? Number(config.pad_token_id ?? 1) + 1 : 0);
}

/**
 * Python's `tokenizer.model_max_length` (else the position limit, else 512), never above what the position
 * embeddings allow: a tokenizer config that claims more would make long inputs fail inside the model.
 */
export function modelMaxLength(folder: ModelFolder): number {
  const limit = positionLimit(folder);
  const fromTokenizer = folder.tokenizerConfig.model_max_length;
  if (typeof fromTokenizer === "number" && fromTokenizer > 0 && fromTokenizer < UNSET) {
    return limit === undefined ? fromTokenizer : Math.min(fromTokenizer, limit);
  }
  return limit ?? 512;
}
