/**
 * Well-known models, as data: which family runs them, which Hub repo holds their ONNX export (and which files and
 * dtypes it has), their length limit, licence and languages. The engine reads a model's weights from `source`;
 * a model whose `source` is null has no ONNX export anywhere and fails with the `optimum-cli` command that makes
 * one. Facts come from the repos' file listings (licence and languages as their model cards declare them;
 * "unknown" where the card declares no licence: ask the authors before commercial use).
 */
import { ModelFilesError } from "./errors.js";

export interface CatalogEntry {
  /** The name users type (a Hub id, or a FlashRank archive name). */
  name: string;
  /** The model type (family) that runs it. */
  family: string;
  /** The Hub repo holding the ONNX export; null when there is none (then `exportTask` says how to make one). */
  source: string | null;
  /** The files of the source that matter, repo-relative (graph, external data, variants). */
  files: readonly string[];
  /** The ONNX dtypes present in `source`. */
  dtypes: readonly string[];
  /** Most tokens per input the model takes. */
  maxLength: number;
  license: string;
  /** ISO 639-1 codes, or "multilingual". */
  languages: readonly string[];
  /** optimum-cli `--task` for models without an export. */
  exportTask?: string;
  /** Anything a user must know (e.g. why it does not run locally). */
  note?: string;
}

const MXBAI_V1 = ["onnx/model.onnx", "onnx/model_quantized.onnx"];
const JINA = [
  "onnx/model.onnx",
  "onnx/model_fp16.onnx",
  "onnx/model_int8.onnx",
  "onnx/model_uint8.onnx",
  "onnx/model_quantized.onnx",
  "onnx/model_q4.onnx",
  "onnx/model_bnb4.onnx",
];
const JINA_DTYPES = ["fp32", "fp16", "int8", "uint8", "q8", "q4", "bnb4"];
const XENOVA = ["onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx"];
/** sentence-transformers' own ONNX exports (cross-encoder/* since v4). */
const SENTENCE_TRANSFORMERS = [
  "onnx/model.onnx",
  "onnx/model_O1.onnx",
  "onnx/model_O2.onnx",
  "onnx/model_O3.onnx",
  "onnx/model_O4.onnx",
  "onnx/model_qint8_avx512_vnni.onnx",
  "onnx/model_qint8_avx512.onnx",
  "onnx/model_quint8_avx2.onnx",
  "onnx/model_qint8_arm64.onnx",
];

function entry(e: Omit<CatalogEntry, "files" | "dtypes"> & Partial<CatalogEntry>): CatalogEntry {
  return { files: [], dtypes: [], ...e };
}

const ce = (
  name: string,
  files: readonly string[],
  dtypes: readonly string[],
  extra: Partial<CatalogEntry>,
) =>
  entry({
    name,
    family: "cross-encoder",
    source: name,
    files,
    dtypes,
    maxLength: 512,
    license: "apache-2.0",
    languages: ["en"],
    ...extra,
  });

const noExport = (name: string, family: string, exportTask: string, extra: Partial<CatalogEntry>) =>
  entry({
    name,
    family,
    source: null,
    exportTask,
    maxLength: 512,
    license: "apache-2.0",
    languages: ["en"],
    ...extra,
  });

export const CATALOG: readonly CatalogEntry[] = [
  // Cross-encoders with their own ONNX export.
  ce("mixedbread-ai/mxbai-rerank-xsmall-v1", MXBAI_V1, ["fp32", "q8"], {}),
  ce("mixedbread-ai/mxbai-rerank-base-v1", MXBAI_V1, ["fp32", "q8"], {}),
  ce("mixedbread-ai/mxbai-rerank-large-v1", MXBAI_V1, ["fp32", "q8"], {}),
  ce("BAAI/bge-reranker-base", ["onnx/model.onnx"], ["fp32"], { license: "mit", languages: ["en", "zh"] }),
  ce("BAAI/bge-reranker-large", ["onnx/model.onnx", "onnx/model.onnx_data"], ["fp32"], {
    license: "mit",
    languages: ["en", "zh"],
  }),
  ce("jinaai/jina-reranker-v1-tiny-en", JINA, JINA_DTYPES, { maxLength: 8192 }),
  ce("jinaai/jina-reranker-v1-turbo-en", JINA, JINA_DTYPES, { maxLength: 8192 }),
  ce("jinaai/jina-reranker-v2-base-multilingual", JINA, JINA_DTYPES, {
    maxLength: 1024,
    license: "cc-by-nc-4.0",
    languages: ["multilingual"],
  }),
  ce("Alibaba-NLP/gte-reranker-modernbert-base", ["onnx/model.onnx"], ["fp32"], { maxLength: 8192 }),
  ce("Xenova/ms-marco-MiniLM-L-6-v2", XENOVA, ["fp32", "fp16", "q8"], {}),
  ce("Xenova/ms-marco-MiniLM-L-12-v2", XENOVA, ["fp32", "fp16", "q8"], {}),
  ce("Xenova/bge-reranker-base", XENOVA, ["fp32", "fp16", "q8"], { license: "mit", languages: ["en", "zh"] }),
  // The Hub redirects the old names (…-MiniLM-L-6-v2) here.
  ce("cross-encoder/ms-marco-MiniLM-L6-v2", SENTENCE_TRANSFORMERS, ["fp32", "q8"], {}),
  ce("cross-encoder/ms-marco-MiniLM-L12-v2", SENTENCE_TRANSFORMERS, ["fp32", "q8"], {}),
  noExport("BAAI/bge-reranker-v2-m3", "cross-encoder", "text-classification", {
    maxLength: 8192,
    languages: ["multilingual"],
    note: "third-party exports (root model.onnx + model.onnx.data) load with --model <their id>",
  }),

  // FlashRank archives (zips from prithivida/flashrank).
  ...[
    ["ms-marco-TinyBERT-L-2-v2", ["en"]],
    ["ms-marco-MiniLM-L-12-v2", ["en"]],
    ["ms-marco-MultiBERT-L-12", ["multilingual"]],
    ["ce-esci-MiniLM-L12-v2", ["en"]],
    ["miniReranker_arabic_v1", ["ar"]],
  ].map(([name, languages]) =>
    entry({
      name: name as string,
      family: "flashrank",
      source: "prithivida/flashrank",
      files: [`${name}.zip`],
      dtypes: ["archive"],
      maxLength: 512,
      license: "apache-2.0",
      languages: languages as string[],
    }),
  ),

  // Late interaction.
  entry({
    name: "colbert-ir/colbertv2.0",
    family: "colbert",
    source: "colbert-ir/colbertv2.0",
    files: ["model.onnx", "model.safetensors"],
    dtypes: ["fp32"],
    maxLength: 512,
    license: "mit",
    languages: ["en"],
  }),
  entry({
    name: "answerdotai/answerai-colbert-small-v1",
    family: "colbert",
    source: "answerdotai/answerai-colbert-small-v1",
    files: ["onnx/model.onnx", "vespa_colbert.onnx", "model.safetensors"],
    dtypes: ["fp32"],
    maxLength: 512,
    license: "apache-2.0",
    languages: ["en"],
  }),
  noExport("bclavie/FraColBERTv2", "colbert", "feature-extraction", {
    license: "unknown",
    languages: ["fr"],
  }),
  noExport("bclavie/JaColBERTv2", "colbert", "feature-extraction", { license: "unknown", languages: ["ja"] }),
  noExport("AdrienB134/ColBERTv2.0-spanish-mmarcoES", "colbert", "feature-extraction", {
    license: "mit",
    languages: ["es"],
  }),
  noExport("lightonai/GTE-ModernColBERT-v1", "pylate", "feature-extraction", { maxLength: 8192 }),

  // Encoder-decoders (they ship spiece.model; the export also writes tokenizer.json).
  noExport("castorini/monot5-base-msmarco", "t5", "text2text-generation", { license: "unknown" }),
  noExport("castorini/monot5-base-msmarco-10k", "t5", "text2text-generation", { license: "unknown" }),
  noExport("castorini/monot5-large-msmarco-10k", "t5", "text2text-generation", { license: "unknown" }),
  noExport("unicamp-dl/InRanker-small", "t5", "text2text-generation", { license: "unknown" }),
  noExport("unicamp-dl/InRanker-base", "t5", "text2text-generation", { license: "unknown" }),
  noExport("unicamp-dl/mt5-base-mmarco-v2", "t5", "text2text-generation", {
    license: "mit",
    languages: ["multilingual"],
  }),
  noExport("google/t5-base-lm-adapt", "upr", "text2text-generation", {}),
  noExport("google/t5-large-lm-adapt", "upr", "text2text-generation", {}),

  // Causal LM rerankers.
  noExport("mixedbread-ai/mxbai-rerank-base-v2", "mxbaiv2", "text-generation", {
    maxLength: 8192,
    languages: ["multilingual"],
  }),
  noExport("mixedbread-ai/mxbai-rerank-large-v2", "mxbaiv2", "text-generation", {
    maxLength: 8192,
    languages: ["multilingual"],
  }),
  entry({
    name: "Qwen/Qwen3-Reranker-0.6B",
    family: "qwen3",
    source: "onnx-community/Qwen3-Reranker-0.6B-ONNX",
    files: ["onnx/model_quantized.onnx", "onnx/model_q4.onnx"],
    dtypes: ["q8", "q4"],
    maxLength: 8192,
    license: "apache-2.0",
    languages: ["multilingual"],
    note: "no fp32 export: q8 (onnx/model_quantized.onnx) is used unless dtype is given",
  }),
  noExport("Qwen/Qwen3-Reranker-4B", "qwen3", "text-generation", {
    maxLength: 8192,
    languages: ["multilingual"],
  }),
  noExport("Qwen/Qwen3-Reranker-8B", "qwen3", "text-generation", {
    maxLength: 8192,
    languages: ["multilingual"],
  }),
  entry({
    name: "BAAI/bge-reranker-v2-gemma",
    family: "llm-layerwise",
    source: null,
    maxLength: 8192,
    license: "apache-2.0",
    languages: ["multilingual"],
    note: "no local method scores it (an ONNX export would not help): serve it with text-embeddings-inference or vLLM",
  }),
];

/** The ONNX repo's own entries, so that `Reranker("onnx-community/Qwen3-Reranker-0.6B-ONNX")` finds its facts. */
const BY_NAME = new Map<string, CatalogEntry>();
for (const e of CATALOG) {
  BY_NAME.set(e.name.toLowerCase(), e);
  if (e.source !== null && e.family !== "flashrank" && !BY_NAME.has(e.source.toLowerCase()))
    BY_NAME.set(e.source.toLowerCase(), e);
}

/** The catalog entry for a name (case-insensitive), or undefined. */
export function catalogEntry(name: string): CatalogEntry | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** The Hub repo a model's ONNX files come from (null: no export; undefined: not a catalog Hub model). */
export function sourceRepo(name: string): string | null | undefined {
  const e = catalogEntry(name);
  if (e === undefined || e.family === "flashrank") return undefined;
  return e.source;
}

/** The shell command that exports `entry` to ONNX, and the folder it writes. */
export function exportCommand(e: CatalogEntry): { command: string; dir: string } {
  const dir = `./${e.name.split("/").pop()}-onnx`;
  return {
    command: `optimum-cli export onnx --model ${e.name} --task ${e.exportTask ?? "feature-extraction"} ${dir}`,
    dir,
  };
}

/** The typed error for a model with no ONNX export anywhere (exit 3): names the command and how to use the result. */
export function exportCommandError(e: CatalogEntry): ModelFilesError {
  if (e.exportTask === undefined) {
    return new ModelFilesError(`${e.name} cannot run locally: ${e.note ?? "no ONNX export exists"}`);
  }
  const { command, dir } = exportCommand(e);
  return new ModelFilesError(
    `${e.name} has no ONNX export on the Hugging Face Hub: make one with \`${command}\` (pip install "optimum-onnx[onnxruntime]"; it also writes tokenizer.json), then pass --model ${dir} --model-type ${e.family} (library: Reranker("${dir}", { modelType: "${e.family}" }))`,
  );
}
