/**
 * Facts about a model read from its files, without I/O: ONNX weight variants (dtype -> file names, best first),
 * the parsed JSON of a model folder, and the maximum pair length. Shared by the Node loader (model-files.ts) and
 * the browser; the CPU is a parameter here (model-files.ts passes this machine's, the browser a generic one).
 */
import { InvalidInputError } from "../core/errors.js";
import type { CpuFeatures } from "./cpu-features.js";

/** ONNX weight variants, named as in Optimum / transformers.js exports. */
export type Dtype = "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";
/** `auto` (no dtype asked): fp32 when present, else the best variant present (8-bit first). */
export type DtypeChoice = Dtype | "auto";

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

/** A CPU with no ISA-specific int8 kernels we can name (the browser's WASM, unknown machines). */
export const GENERIC_CPU: CpuFeatures = { arch: "other", avx2: false, avx512: false, vnni: false };

/** Validate a user-supplied dtype (also accepts "float32", "float16", "quantized"); absent = `auto`. */
export function parseDtype(value: unknown): DtypeChoice {
  if (value === undefined || value === null) return "auto";
  const v = String(value).toLowerCase();
  if (v === "auto") return "auto";
  const alias: Record<string, Dtype> = { float32: "fp32", float16: "fp16", quantized: "q8" };
  const d = (alias[v] ?? v) as Dtype;
  if (!(d in SUFFIX))
    throw new InvalidInputError(`unknown dtype "${String(value)}"; use one of auto, ${DTYPES.join(", ")}`);
  return d;
}

/**
 * The 8-bit variants for this CPU, best first: sentence-transformers' ISA-specific exports the CPU can run
 * (VNNI > AVX-512 > AVX2 on x64, ARM64), then the generic `_quantized` / `_int8` / `_uint8` exports.
 */
function eightBitSuffixes(cpu: CpuFeatures): string[] {
  const specific: string[] = [];
  if (cpu.arch === "x64") {
    if (cpu.vnni) specific.push("_qint8_avx512_vnni");
    if (cpu.avx512) specific.push("_qint8_avx512");
    if (cpu.avx2) specific.push("_quint8_avx2");
  } else if (cpu.arch === "arm64") specific.push("_qint8_arm64");
  return [...specific, "_quantized", "_int8", "_uint8"];
}

/** File-name suffixes for a dtype, in preference order. */
export function variantSuffixes(dtype: DtypeChoice, cpu: CpuFeatures): string[] {
  if (dtype === "q8") return eightBitSuffixes(cpu);
  if (dtype !== "auto") return [SUFFIX[dtype]];
  return ["", ...eightBitSuffixes(cpu), "_fp16", "_q4", "_q4f16", "_bnb4"];
}

/**
 * Where the `base` weights for a dtype may stand, best first, relative to the model folder: `onnx/<name>.onnx`,
 * then `<name>.onnx` at the root, for each variant name. A pure function of (base, dtype, cpu).
 */
export function onnxCandidates(
  base: string | readonly string[],
  dtype: DtypeChoice,
  cpu: CpuFeatures,
): string[] {
  const bases = typeof base === "string" ? [base] : base;
  // Variant first, then base: with several graph names (a causal LM's `model` / `decoder_model_merged`), an
  // fp32 graph of any name wins over a quantised one.
  return variantSuffixes(dtype, cpu).flatMap((s) =>
    bases.flatMap((b) => [`onnx/${b}${s}.onnx`, `${b}${s}.onnx`]),
  );
}

/**
 * Download candidates ("the first of these that exists"): the user's `onnxFile`, else the dtype variants of
 * each base in order (e.g. ColBERT's `model`, then answerai's root `vespa_colbert.onnx`).
 */
export function onnxFileCandidates(
  onnxFile: string | undefined,
  base: string | readonly string[],
  dtype: DtypeChoice,
  cpu: CpuFeatures,
): string[] {
  if (onnxFile) return [onnxFile, `onnx/${onnxFile}`];
  return onnxCandidates(base, dtype, cpu);
}

/** The best file among `files` (repo-relative paths) for these bases and dtype, or undefined. Pure. */
export function pickOnnxFile(
  files: readonly string[],
  bases: readonly string[],
  dtype: DtypeChoice,
  cpu: CpuFeatures,
): string | undefined {
  const present = new Set(files);
  return onnxCandidates(bases, dtype, cpu).find((candidate) => present.has(candidate));
}

/** The dtype a picked file name stands for (`onnx/model_qint8_avx512.onnx` → q8). */
export function dtypeOfFile(path: string): Dtype {
  const name = path.replace(/^.*\//, "").replace(/\.onnx$/, "");
  if (/_(quantized|qu?int8_\w+)$/.test(name)) return "q8";
  for (const d of DTYPES) if (d !== "fp32" && name.endsWith(SUFFIX[d])) return d;
  return "fp32";
}

/** ("model", "q8") -> "onnx/model_quantized.onnx": the Optimum / transformers.js name (`auto` → fp32). */
export function onnxFileName(base: string, dtype: DtypeChoice): string {
  return `onnx/${base}${dtype === "auto" ? "" : SUFFIX[dtype]}.onnx`;
}

// biome-ignore lint/suspicious/noExplicitAny: Hugging Face JSON files are free-form
type Json = Record<string, any>;

export interface ModelFolder {
  dir: string;
  config: Json;
  tokenizerConfig: Json;
  specialTokensMap: Json;
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
