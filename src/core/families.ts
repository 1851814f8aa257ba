import { defineFamily } from "./registry.js";

/**
 * Default model per family and language (`other` is the fallback for any language not listed).
 * Starts from Python rerankers 0.10.0 (reranker.py DEFAULTS); changed entries are listed in README.
 */
export const FAMILY_DEFAULTS: Readonly<
  Record<string, { type: string; defaults: Readonly<Record<string, string>> }>
> = {
  "cross-encoder": {
    type: "cross-encoder",
    defaults: {
      en: "mixedbread-ai/mxbai-rerank-base-v1",
      zh: "BAAI/bge-reranker-base",
      other: "jinaai/jina-reranker-v2-base-multilingual",
    },
  },
  flashrank: {
    type: "flashrank",
    defaults: { en: "ms-marco-MiniLM-L-12-v2", other: "ms-marco-MultiBERT-L-12" },
  },
  t5: { type: "t5", defaults: { en: "unicamp-dl/InRanker-base", other: "unicamp-dl/mt5-base-mmarco-v2" } },
  upr: { type: "upr", defaults: { other: "google/t5-large-lm-adapt" } },
  colbert: {
    type: "colbert",
    defaults: {
      en: "colbert-ir/colbertv2.0",
      fr: "bclavie/FraColBERTv2",
      ja: "bclavie/JaColBERTv2",
      es: "AdrienB134/ColBERTv2.0-spanish-mmarcoES",
    },
  },
  pylate: { type: "pylate", defaults: { other: "lightonai/GTE-ModernColBERT-v1" } },
  mxbaiv2: { type: "mxbaiv2", defaults: { other: "mixedbread-ai/mxbai-rerank-base-v2" } },
  // Qwen/Qwen3-Reranker-0.6B has no ONNX export; onnx-community ships q8 and q4 ones (see src/core/catalog.ts).
  qwen3: { type: "qwen3", defaults: { other: "onnx-community/Qwen3-Reranker-0.6B-ONNX" } },
  rankgpt: { type: "rankgpt", defaults: { other: "gpt-4.1-mini" } },
  rankgpt3: { type: "rankgpt", defaults: { other: "gpt-4o-mini" } },
  rankgpt4: { type: "rankgpt", defaults: { other: "gpt-4.1" } },
  rankllm: { type: "rankllm", defaults: { other: "castorini/rank_zephyr_7b_v1_full" } },
  "llm-relevance-filter": { type: "llm-relevance-filter", defaults: { other: "gpt-4.1-mini" } },
  "llm-layerwise": {
    type: "llm-layerwise",
    defaults: { other: "BAAI/bge-reranker-v2.5-gemma2-lightweight" },
  },
  monovlm: { type: "monovlm", defaults: { other: "lightonai/MonoQwen2-VL-v0.1" } },
  cohere: { type: "cohere", defaults: { other: "rerank-v3.5" } },
  jina: { type: "jina", defaults: { other: "jina-reranker-v2-base-multilingual" } },
  voyage: { type: "voyage", defaults: { other: "rerank-2.5" } },
  "mixedbread.ai": { type: "mixedbread.ai", defaults: { other: "mixedbread-ai/mxbai-rerank-large-v2" } },
  pinecone: { type: "pinecone", defaults: { other: "bge-reranker-v2-m3" } },
  isaacus: { type: "isaacus", defaults: { other: "kanon-2-reranker" } },
  "text-embeddings-inference": {
    type: "text-embeddings-inference",
    defaults: { other: "BAAI/bge-reranker-base" },
  },
  compatible: { type: "compatible", defaults: { other: "default" } },
};

/** FlashRank's own model names (flat names, no organisation). */
export const FLASHRANK_MODELS = [
  "ms-marco-tinybert-l-2-v2",
  "ms-marco-minilm-l-12-v2",
  "ms-marco-multibert-l-12",
  "rank-t5-flan",
  "ce-esci-minilm-l12-v2",
  "minireranker_arabic_v1",
];

const has = (name: string, ...parts: string[]) => parts.some((p) => name.includes(p));
/** The last path segment, so that a local folder `./models/x` is detected like the id `org/x`. */
const base = (name: string) =>
  name
    .replace(/[\\/]+$/, "")
    .split(/[\\/]/)
    .pop() ?? name;

/**
 * Built-in families in detection order. Detection fixes Python's misroutes: substrings of hosted-provider
 * names never route to an API (hosted models are written `provider:model`), and the FlashRank names match only
 * as bare names, so `cross-encoder/ms-marco-MiniLM-L-12-v2` stays a cross-encoder.
 */
function defineBuiltInFamilies(): void {
  defineFamily({
    type: "flashrank",
    detect: (n) => !n.includes("/") && FLASHRANK_MODELS.includes(n),
    load: () => import("../methods/flashrank.js").then((m) => m.create),
  });
  defineFamily({
    type: "rankllm",
    detect: (n) =>
      has(n, "rank_zephyr", "rank_vicuna", "rankzephyr", "rankvicuna", "first_mistral", "rankllm"),
    load: () => import("../methods/rankllm.js").then((m) => m.create),
  });
  defineFamily({
    type: "rankgpt",
    aliases: ["rankgpt3", "rankgpt4"],
    detect: (n) => n.includes("rankgpt") || /^(gpt-|o[1-9](-|$))/.test(n),
    load: () => import("../methods/rankgpt.js").then((m) => m.create),
  });
  defineFamily({
    type: "llm-relevance-filter",
    load: () => import("../methods/relevance-filter.js").then((m) => m.create),
  });
  defineFamily({
    type: "llm-layerwise",
    detect: (n) => has(n, "layerwise", "bge-reranker-v2.5-gemma2-lightweight", "bge-reranker-v2-gemma"),
    unavailableReason:
      "llm-layerwise (BGE gemma/minicpm layerwise rerankers) is not supported locally: serve the model with text-embeddings-inference or vLLM and use `tei:<model>` or `compatible:<model>` with --base-url",
  });
  defineFamily({
    type: "monovlm",
    detect: (n) => has(n, "monovlm", "monoqwen2-vl"),
    unavailableReason:
      "monovlm (image document reranking) is not supported locally: use a hosted multimodal reranker such as `jina:jina-reranker-m0`",
  });
  defineFamily({
    type: "qwen3",
    detect: (n) => n.includes("qwen3-reranker"),
    load: () => import("../methods/qwen3.js").then((m) => m.create),
  });
  defineFamily({
    type: "mxbaiv2",
    detect: (n) => n.includes("mxbaiv2") || /mxbai-rerank-[a-z]+-v2/.test(n),
    load: () => import("../methods/mxbaiv2.js").then((m) => m.create),
  });
  defineFamily({
    type: "pylate",
    detect: (n) => has(n, "pylate", "moderncolbert"),
    load: () => import("../methods/pylate.js").then((m) => m.create),
  });
  defineFamily({
    type: "colbert",
    detect: (n) => n.includes("colbert"),
    load: () => import("../methods/colbert.js").then((m) => m.create),
  });
  defineFamily({
    type: "upr",
    detect: (n) => has(n, "lm-adapt", "upr"),
    load: () => import("../methods/upr.js").then((m) => m.create),
  });
  defineFamily({
    type: "t5",
    detect: (n) => has(base(n), "t5", "inranker", "twolar"),
    load: () => import("../methods/t5.js").then((m) => m.create),
  });
  defineFamily({
    type: "cross-encoder",
    load: () => import("../methods/cross-encoder.js").then((m) => m.create),
  });

  // Hosted providers: never detected from substrings, only by `provider:model` or the provider name.
  const hostedLoaders = {
    cohere: () => import("../providers/cohere.js").then((m) => m.create),
    jina: () => import("../providers/jina.js").then((m) => m.create),
    voyage: () => import("../providers/voyage.js").then((m) => m.create),
    pinecone: () => import("../providers/pinecone.js").then((m) => m.create),
    isaacus: () => import("../providers/isaacus.js").then((m) => m.create),
    compatible: () => import("../providers/compatible.js").then((m) => m.create),
  };
  for (const [type, load] of Object.entries(hostedLoaders)) {
    defineFamily({ type, hosted: true, load });
  }
  defineFamily({
    type: "mixedbread.ai",
    aliases: ["mixedbread", "mxbai"],
    hosted: true,
    load: () => import("../providers/mixedbread.js").then((m) => m.create),
  });
  defineFamily({
    type: "text-embeddings-inference",
    aliases: ["tei"],
    hosted: true,
    load: () => import("../providers/tei.js").then((m) => m.create),
  });
}

defineBuiltInFamilies();
