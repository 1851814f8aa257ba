import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createRanker,
  knownTypes,
  MissingDependencyError,
  NotImplementedError,
  Reranker,
  registerRanker,
  resolveModel,
  UnknownModelError,
} from "../src/index.js";
import { lexicalMethod } from "./helpers/lexical-ranker.js";

// The test registers its own type; declaring its options lets `Reranker(name, { modelType: "lexical-test" })` type-check.
declare module "../src/index.js" {
  interface CustomRerankerOptions {
    "lexical-test": Record<never, never>;
  }
}

const local = (modelType: string, model: string) => ({ modelType, model, provider: null });
const hosted = (provider: string, model: string) => ({ modelType: provider, model, provider });

describe("resolveModel", () => {
  const cases: [string, { modelType?: string; lang?: string } | undefined, object][] = [
    // the routing cases named in the core issue
    [
      "jinaai/jina-reranker-v2-base-multilingual",
      undefined,
      local("cross-encoder", "jinaai/jina-reranker-v2-base-multilingual"),
    ],
    [
      "cross-encoder/ms-marco-MiniLM-L-12-v2",
      undefined,
      local("cross-encoder", "cross-encoder/ms-marco-MiniLM-L-12-v2"),
    ],
    [
      "cross-encoder/ms-marco-MiniLM-L-6-v2",
      undefined,
      local("cross-encoder", "cross-encoder/ms-marco-MiniLM-L-6-v2"),
    ],
    ["upr", undefined, local("upr", "google/t5-large-lm-adapt")],
    ["pylate", undefined, local("pylate", "lightonai/GTE-ModernColBERT-v1")],
    ["llm-relevance-filter", undefined, local("llm-relevance-filter", "gpt-4.1-mini")],
    ["cohere:rerank-v3.5", undefined, hosted("cohere", "rerank-v3.5")],
    ["cohere", undefined, hosted("cohere", "rerank-v3.5")],
    ["cohere", { lang: "fr" }, hosted("cohere", "rerank-v3.5")],
    ["jina", undefined, hosted("jina", "jina-reranker-v2-base-multilingual")],
    ["voyage", { lang: "de" }, hosted("voyage", "rerank-2.5")],
    ["mixedbread", undefined, hosted("mixedbread.ai", "mixedbread-ai/mxbai-rerank-large-v2")],
    ["mixedbread.ai:mxbai-rerank-large-v2", undefined, hosted("mixedbread.ai", "mxbai-rerank-large-v2")],
    ["tei:BAAI/bge-reranker-base", undefined, hosted("text-embeddings-inference", "BAAI/bge-reranker-base")],
    ["my-model", { modelType: "tei" }, hosted("text-embeddings-inference", "my-model")],
    ["my-model", { modelType: "mixedbread.ai" }, hosted("mixedbread.ai", "my-model")],
    ["pinecone", undefined, hosted("pinecone", "bge-reranker-v2-m3")],
    // families and languages
    ["cross-encoder", undefined, local("cross-encoder", "mixedbread-ai/mxbai-rerank-base-v1")],
    ["cross-encoder", { lang: "zh" }, local("cross-encoder", "BAAI/bge-reranker-base")],
    ["cross-encoder", { lang: "de" }, local("cross-encoder", "jinaai/jina-reranker-v2-base-multilingual")],
    ["colbert", { lang: "ja" }, local("colbert", "bclavie/JaColBERTv2")],
    ["t5", { lang: "pt" }, local("t5", "unicamp-dl/mt5-base-mmarco-v2")],
    ["flashrank", undefined, local("flashrank", "ms-marco-MiniLM-L-12-v2")],
    ["rankgpt", undefined, local("rankgpt", "gpt-4.1-mini")],
    ["rankgpt3", undefined, local("rankgpt", "gpt-4o-mini")],
    ["rankgpt4", undefined, local("rankgpt", "gpt-4.1")],
    ["mxbaiv2", undefined, local("mxbaiv2", "mixedbread-ai/mxbai-rerank-base-v2")],
    ["qwen3", undefined, local("qwen3", "onnx-community/Qwen3-Reranker-0.6B-ONNX")],
    // detection from names
    ["ms-marco-MiniLM-L-12-v2", undefined, local("flashrank", "ms-marco-MiniLM-L-12-v2")],
    ["ms-marco-TinyBERT-L-2-v2", undefined, local("flashrank", "ms-marco-TinyBERT-L-2-v2")],
    ["castorini/monot5-base-msmarco", undefined, local("t5", "castorini/monot5-base-msmarco")],
    ["unicamp-dl/InRanker-base", undefined, local("t5", "unicamp-dl/InRanker-base")],
    ["Dundalia/TWOLAR-large", undefined, local("t5", "Dundalia/TWOLAR-large")],
    [
      "castorini/monobert-large-msmarco",
      undefined,
      local("cross-encoder", "castorini/monobert-large-msmarco"),
    ],
    ["colbert-ir/colbertv2.0", undefined, local("colbert", "colbert-ir/colbertv2.0")],
    ["lightonai/GTE-ModernColBERT-v1", undefined, local("pylate", "lightonai/GTE-ModernColBERT-v1")],
    [
      "mixedbread-ai/mxbai-rerank-large-v2",
      undefined,
      local("mxbaiv2", "mixedbread-ai/mxbai-rerank-large-v2"),
    ],
    [
      "mixedbread-ai/mxbai-rerank-base-v1",
      undefined,
      local("cross-encoder", "mixedbread-ai/mxbai-rerank-base-v1"),
    ],
    ["Qwen/Qwen3-Reranker-4B", undefined, local("qwen3", "Qwen/Qwen3-Reranker-4B")],
    ["castorini/rank_zephyr_7b_v1_full", undefined, local("rankllm", "castorini/rank_zephyr_7b_v1_full")],
    ["castorini/first_mistral", undefined, local("rankllm", "castorini/first_mistral")],
    ["gpt-4o", undefined, local("rankgpt", "gpt-4o")],
    [
      "BAAI/bge-reranker-v2.5-gemma2-lightweight",
      undefined,
      local("llm-layerwise", "BAAI/bge-reranker-v2.5-gemma2-lightweight"),
    ],
    ["lightonai/MonoQwen2-VL-v0.1", undefined, local("monovlm", "lightonai/MonoQwen2-VL-v0.1")],
    ["my-cohere-finetune/abc", undefined, local("cross-encoder", "my-cohere-finetune/abc")],
    ["./models/my-monot5", undefined, local("t5", "./models/my-monot5")],
    ["BAAI/bge-reranker-base", undefined, local("cross-encoder", "BAAI/bge-reranker-base")],
    // an explicit modelType always wins
    [
      "jinaai/jina-reranker-v2-base-multilingual",
      { modelType: "jina" },
      hosted("jina", "jinaai/jina-reranker-v2-base-multilingual"),
    ],
    [
      "castorini/monot5-base-msmarco",
      { modelType: "cross-encoder" },
      local("cross-encoder", "castorini/monot5-base-msmarco"),
    ],
    ["anything", { modelType: "colbert" }, local("colbert", "anything")],
  ];
  for (const [name, options, expected] of cases) {
    it(`${name}${options ? ` ${JSON.stringify(options)}` : ""}`, () => {
      assert.deepStrictEqual(resolveModel(name, options), expected);
    });
  }

  it("raises a typed error listing the known types for an unknown type", () => {
    assert.throws(
      () => resolveModel("x", { modelType: "nope" }),
      (err: unknown) =>
        err instanceof UnknownModelError && /known model types: .*cross-encoder/.test(err.message),
    );
  });

  it("raises a typed error when a family has no default for the language", () => {
    assert.throws(() => resolveModel("colbert", { lang: "de" }), /no default for language "de"/);
  });

  it("rejects an empty name", () => {
    assert.throws(() => resolveModel(""), /model name must be a non-empty string/);
  });
});

describe("Reranker and the registry", () => {
  it("lists the Python model type names plus qwen3 and compatible", () => {
    for (const t of [
      "cross-encoder",
      "flashrank",
      "t5",
      "colbert",
      "pylate",
      "upr",
      "mxbaiv2",
      "rankgpt",
      "rankllm",
      "llm-relevance-filter",
      "llm-layerwise",
      "monovlm",
      "cohere",
      "jina",
      "voyage",
      "mixedbread.ai",
      "pinecone",
      "isaacus",
      "text-embeddings-inference",
      "qwen3",
      "compatible",
    ]) {
      assert.ok(knownTypes().includes(t), t);
    }
  });

  it("registerRanker adds a method that Reranker() builds, by type or by detection", async () => {
    registerRanker(
      "lexical-test",
      async (o) => createRanker({ modelType: o.modelType, model: o.model, provider: null }, lexicalMethod()),
      {
        detect: (name) => name.startsWith("lexical/"),
      },
    );
    const byType = await Reranker("whatever", { modelType: "lexical-test" });
    assert.equal(byType.modelType, "lexical-test");
    const detected = await Reranker("lexical/v1");
    assert.equal(detected.model, "lexical/v1");
    const res = await detected.rank("blue sky", ["grey sky", "blue sky"]);
    assert.equal(res[0].docId, 1);
  });

  it("raises NotImplementedError for types that are not available here", async () => {
    await assert.rejects(Reranker("lightonai/MonoQwen2-VL-v0.1"), (err: unknown) => {
      assert.ok(err instanceof NotImplementedError);
      assert.match((err as Error).message, /not supported locally/);
      return true;
    });
    await assert.rejects(Reranker("x", { modelType: "llm-layerwise" }), /text-embeddings-inference|tei:/);
  });

  it("MissingDependencyError names the exact npm install command", () => {
    const err = new MissingDependencyError("onnxruntime-node", "local ONNX inference");
    assert.equal(err.installCommand, "npm install onnxruntime-node");
    assert.match(err.message, /npm install onnxruntime-node/);
    assert.equal(err.exitCode, 3);
  });
});
