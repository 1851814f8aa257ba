import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Document as LangChainDocument } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { createProviderRegistry, rerank } from "ai";
import { TextNode } from "llamaindex";
import { InvalidInputError, type Ranker, Reranker, UnsupportedOperationError } from "../src/index.js";
import { createRerankers, rerankingModel } from "../src/integrations/ai-sdk.js";
import { RerankersCompressor } from "../src/integrations/langchain.js";
import { RerankersPostprocessor } from "../src/integrations/llamaindex.js";
import { runNode } from "./helpers/cli.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

// A real method on a real fixture: the expected order and scores come from the fixture's reference.json.
const MODEL = fixturePath("tiny-bert-cross-encoder");
const CASE = readReference("tiny-bert-cross-encoder").cases[0] as {
  query: string;
  docs: { text: string }[];
  scores: number[];
  ranking: number[];
};
const texts = CASE.docs.map((d) => d.text);
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4;

let ranker: Ranker;
before(async () => {
  ranker = await Reranker(MODEL, { modelType: "cross-encoder" });
});
after(async () => {
  await ranker?.close();
});

describe("LangChain.js compressor", () => {
  it("is a BaseDocumentCompressor that returns new documents in reference order with relevanceScore", async () => {
    const compressor = new RerankersCompressor({ ranker, topK: 3 });
    assert.ok(compressor instanceof BaseDocumentCompressor);
    assert.ok(BaseDocumentCompressor.isBaseDocumentCompressor(compressor));
    const docs = texts.map(
      (t, i) => new LangChainDocument({ pageContent: t, metadata: { source: `s${i}` } }),
    );
    const out = await compressor.compressDocuments(docs, CASE.query);
    assert.deepEqual(
      out.map((d) => d.metadata.source),
      CASE.ranking.slice(0, 3).map((i) => `s${i}`),
    );
    for (const d of out) {
      const i = Number(String(d.metadata.source).slice(1));
      assert.ok(close(d.metadata.relevanceScore, CASE.scores[i]));
      assert.notEqual(d, docs[i]);
    }
    assert.ok(
      docs.every((d) => !("relevanceScore" in d.metadata)),
      "inputs untouched",
    );
  });

  it("loads a model name lazily and surfaces load errors in the call, not the constructor", async () => {
    const compressor = new RerankersCompressor({
      ranker: { model: "/no/such/model", options: { modelType: "cross-encoder" } },
    });
    await assert.rejects(compressor.compressDocuments([new LangChainDocument({ pageContent: "a" })], "q"));
  });
});

describe("AI SDK reranking model", () => {
  it("works with ai's rerank() and returns the reference ranking", async () => {
    const result = await rerank({
      model: rerankingModel(ranker),
      query: CASE.query,
      documents: texts,
      topN: 4,
    });
    assert.deepEqual(
      result.ranking.map((r) => r.originalIndex),
      CASE.ranking.slice(0, 4),
    );
    for (const r of result.ranking) assert.ok(close(r.score, CASE.scores[r.originalIndex]));
    assert.equal(result.rerankedDocuments[0], texts[CASE.ranking[0]]);
  });

  it("takes object documents and splits calls at maxDocumentsPerCall without changing the ranking", async () => {
    const model = rerankingModel(ranker, { maxDocumentsPerCall: 3 });
    assert.equal(model.maxDocumentsPerCall, 3);
    const result = await rerank({ model, query: CASE.query, documents: texts.map((text) => ({ text })) });
    assert.deepEqual(
      result.ranking.map((r) => r.originalIndex),
      CASE.ranking,
    );
  });
});

/** A ranker that records the options of every rank() call and passes it to the real one. */
function recording(inner: Ranker): {
  ranker: Ranker;
  calls: { docs: number; batchSize?: number; topK?: number }[];
} {
  const calls: { docs: number; batchSize?: number; topK?: number }[] = [];
  const ranker: Ranker = {
    modelType: inner.modelType,
    model: inner.model,
    provider: inner.provider,
    listwise: inner.listwise,
    rank: (query, docs, options) => {
      calls.push({
        docs: Array.isArray(docs) ? docs.length : 1,
        batchSize: options?.batchSize,
        topK: options?.topK,
      });
      return inner.rank(query, docs, options);
    },
    score: (query, doc, options) => inner.score(query, doc, options),
    close: async () => {},
  };
  return { ranker, calls };
}

const isInvalid = (pattern: RegExp) => (error: unknown) =>
  error instanceof InvalidInputError && pattern.test(error.message) && !error.message.includes("\n");

describe("AI SDK maxDocumentsPerCall and batchSize", () => {
  for (const bad of [0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY, "3"]) {
    it(`rejects maxDocumentsPerCall ${String(bad)} with one line when the model is made`, () => {
      assert.throws(
        () => rerankingModel(ranker, { maxDocumentsPerCall: bad as number }),
        isInvalid(/^maxDocumentsPerCall must be a positive integer, got \S+$/),
      );
      assert.throws(
        () => createRerankers({ maxDocumentsPerCall: bad as number }),
        isInvalid(/^maxDocumentsPerCall must be a positive integer/),
      );
    });
  }

  it("names the bad value in the message", () => {
    assert.throws(() => rerankingModel(ranker, { maxDocumentsPerCall: 1.5 }), {
      message: "maxDocumentsPerCall must be a positive integer, got 1.5",
    });
    assert.throws(() => rerankingModel(ranker, { maxDocumentsPerCall: Number.NaN }), {
      message: "maxDocumentsPerCall must be a positive integer, got NaN",
    });
    assert.throws(() => rerankingModel(ranker, { batchSize: 0 }), {
      message: "batchSize must be a positive integer, got 0",
    });
  });

  it("ends (in a child process, so a regression cannot hang this run) with an error for 0 and -1 per call", async () => {
    const script = `
      import { rerank } from "ai";
      import { rerankingModel } from "./src/integrations/ai-sdk.ts";
      const model = rerankingModel({ model: ${JSON.stringify(MODEL)}, options: { modelType: "cross-encoder" } });
      const out = [];
      for (const value of [0, -1]) {
        try {
          const r = await rerank({ model, query: "q", documents: ["a", "b", "c"], providerOptions: { rerankers: { maxDocumentsPerCall: value } } });
          out.push("ranked " + r.ranking.length);
        } catch (error) { out.push(error.name + ": " + error.message); }
      }
      console.log(JSON.stringify(out));`;
    const run = await runNode(["--import", "tsx", "--input-type=module", "-e", script], {
      timeoutMs: 30_000,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [
      "InvalidInputError: providerOptions.rerankers.maxDocumentsPerCall must be a positive integer, got 0",
      "InvalidInputError: providerOptions.rerankers.maxDocumentsPerCall must be a positive integer, got -1",
    ]);
  });

  it("splits into chunks of exactly maxDocumentsPerCall and merges to the reference ranking", async () => {
    const { ranker: spy, calls } = recording(ranker);
    const result = await rerank({
      model: rerankingModel(spy, { maxDocumentsPerCall: 2 }),
      query: CASE.query,
      documents: texts,
    });
    assert.deepEqual(
      calls.map((c) => c.docs),
      texts
        .map((_, i) => i)
        .filter((i) => i % 2 === 0)
        .map((i) => Math.min(2, texts.length - i)),
    );
    assert.deepEqual(
      result.ranking.map((r) => r.originalIndex),
      CASE.ranking,
    );
    for (const r of result.ranking) assert.ok(close(r.score, CASE.scores[r.originalIndex]));
  });
});

describe("AI SDK providerOptions.rerankers", () => {
  it("honours topK, batchSize and maxDocumentsPerCall per call", async () => {
    const { ranker: spy, calls } = recording(ranker);
    const result = await rerank({
      model: rerankingModel(spy),
      query: CASE.query,
      documents: texts,
      providerOptions: { rerankers: { topK: 2, batchSize: 1, maxDocumentsPerCall: 3 } },
    });
    assert.deepEqual(
      result.ranking.map((r) => r.originalIndex),
      CASE.ranking.slice(0, 2),
    );
    assert.ok(calls.length > 1 && calls.every((c) => c.docs <= 3 && c.batchSize === 1 && c.topK === 2));
  });

  it("uses the model's batchSize unless the call gives one, and ignores other providers' options", async () => {
    const { ranker: spy, calls } = recording(ranker);
    const model = rerankingModel(spy, { batchSize: 4 });
    await rerank({
      model,
      query: CASE.query,
      documents: texts,
      providerOptions: { cohere: { maxChunksPerDoc: 1 } },
    });
    await rerank({
      model,
      query: CASE.query,
      documents: texts,
      providerOptions: { rerankers: { batchSize: 2 } },
    });
    assert.deepEqual(
      calls.map((c) => c.batchSize),
      [4, 2],
    );
  });

  it("accepts topN and topK together only when they agree", async () => {
    const model = rerankingModel(ranker);
    const same = await rerank({
      model,
      query: CASE.query,
      documents: texts,
      topN: 1,
      providerOptions: { rerankers: { topK: 1 } },
    });
    assert.deepEqual(
      same.ranking.map((r) => r.originalIndex),
      CASE.ranking.slice(0, 1),
    );
    await assert.rejects(
      rerank({
        model,
        query: CASE.query,
        documents: texts,
        topN: 1,
        providerOptions: { rerankers: { topK: 2 } },
      }),
      isInvalid(/^topN \(1\) and providerOptions\.rerankers\.topK \(2\) disagree/),
    );
  });

  it("names topN (not topK) when rerank()'s topN is bad", async () => {
    await assert.rejects(
      rerank({ model: rerankingModel(ranker), query: CASE.query, documents: texts, topN: 1.5 }),
      isInvalid(/^topN must be a non-negative integer, got 1\.5$/),
    );
  });

  it("rejects unknown keys and bad values before any model work, unwrapped by rerank()'s retries", async () => {
    const { ranker: spy, calls } = recording(ranker);
    const model = rerankingModel(spy);
    const call = (rerankers: Record<string, unknown>) =>
      rerank({ model, query: CASE.query, documents: texts, providerOptions: { rerankers } as never });
    await assert.rejects(
      call({ top_k: 2 }),
      isInvalid(
        /^unknown option providerOptions\.rerankers\.top_k; known: topK, batchSize, maxDocumentsPerCall$/,
      ),
    );
    await assert.rejects(
      call({ batchSize: 0 }),
      isInvalid(/^providerOptions\.rerankers\.batchSize must be a positive integer, got 0$/),
    );
    await assert.rejects(
      call({ topK: "2" }),
      isInvalid(/^providerOptions\.rerankers\.topK must be a positive integer, got "2"$/),
    );
    await assert.rejects(
      call({ maxDocumentsPerCall: null }),
      isInvalid(/maxDocumentsPerCall must be a positive integer, got null$/),
    );
    assert.equal(calls.length, 0);
  });
});

describe("AI SDK provider (createRerankers)", () => {
  it("works in ai's createProviderRegistry and gives the reference ranking", async () => {
    const provider = createRerankers({ options: { modelType: "cross-encoder" } });
    const registry = createProviderRegistry({ rerankers: provider });
    const model = registry.rerankingModel(`rerankers:${MODEL}`);
    assert.equal(model.modelId, MODEL);
    assert.equal(model.provider, "rerankers");
    assert.equal(registry.rerankingModel(`rerankers:${MODEL}`), model, "one model per id");
    const result = await rerank({
      model,
      query: CASE.query,
      documents: texts.map((text) => ({ text })),
      topN: 3,
    });
    assert.deepEqual(
      result.ranking.map((r) => r.originalIndex),
      CASE.ranking.slice(0, 3),
    );
    for (const r of result.ranking) assert.ok(close(r.score, CASE.scores[r.originalIndex]));
    await provider.close();
    // A model held across close() loads again.
    const again = await rerank({ model, query: CASE.query, documents: texts, topN: 1 });
    assert.equal(again.ranking[0].originalIndex, CASE.ranking[0]);
    await provider.close();
  });

  it("passes its settings to every model and loads nothing until a call", async () => {
    const provider = createRerankers({ maxDocumentsPerCall: 2, options: { modelType: "cross-encoder" } });
    const missing = provider.rerankingModel("/no/such/model");
    assert.equal(missing.maxDocumentsPerCall, 2);
    await assert.rejects(rerank({ model: missing, query: "q", documents: ["a"], maxRetries: 0 }));
  });

  it("offers only reranking models, and refuses an empty model id", () => {
    const provider = createRerankers();
    assert.throws(() => provider.languageModel("x"), UnsupportedOperationError);
    assert.throws(() => provider.embeddingModel("x"), UnsupportedOperationError);
    assert.throws(() => provider.imageModel("x"), UnsupportedOperationError);
    assert.throws(() => provider.rerankingModel(" "), InvalidInputError);
    assert.throws(
      () => createProviderRegistry({ rerankers: provider }).rerankingModel("rerankers:"),
      InvalidInputError,
    );
  });
});

describe("LlamaIndex.TS postprocessor", () => {
  it("reranks nodes into reference order with scores", async () => {
    const nodes = texts.map((t, i) => ({ node: new TextNode({ text: t, id_: `n${i}` }), score: 0 }));
    const out = await new RerankersPostprocessor({ ranker }).postprocessNodes(nodes, CASE.query);
    assert.deepEqual(
      out.map((n) => n.node.id_),
      CASE.ranking.map((i) => `n${i}`),
    );
    for (const n of out) assert.ok(close(n.score as number, CASE.scores[Number(n.node.id_.slice(1))]));
    assert.ok(
      nodes.every((n) => n.score === 0),
      "inputs untouched",
    );
  });

  it("accepts a multimodal query's text parts", async () => {
    const nodes = texts.map((t) => ({ node: new TextNode({ text: t }) }));
    const out = await new RerankersPostprocessor({ ranker, topK: 1 }).postprocessNodes(nodes, [
      { type: "text", text: CASE.query },
    ]);
    assert.equal(out.length, 1);
    assert.equal(out[0].node, nodes[CASE.ranking[0]].node);
  });
});
