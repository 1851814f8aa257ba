import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Document as LangChainDocument } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { TextNode } from "@llamaindex/core/schema";
import { rerank } from "ai";
import { type Ranker, Reranker } from "../src/index.js";
import { rerankingModel } from "../src/integrations/ai-sdk.js";
import { RerankersCompressor } from "../src/integrations/langchain.js";
import { RerankersPostprocessor } from "../src/integrations/llamaindex.js";
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
