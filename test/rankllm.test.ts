import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Reranker, resolveModel } from "../src/index.js";
import {
  byRelevanceOf,
  docIds,
  oracleStarter,
  WINDOWS_45_20_10,
  windowedOrder,
} from "./helpers/llm-cases.js";
import type { Misbehaviour } from "./helpers/llm-oracle.js";

const N = 45;
const TEXTS = Array.from({ length: N }, (_, i) => `candidate ${i} text ${"xyz".repeat(1 + (i % 3))}`);
const RELEVANCE: Record<string, number> = Object.fromEntries(TEXTS.map((t, i) => [t, ((i * 19) % N) / N]));
const byRelevance = byRelevanceOf(TEXTS, RELEVANCE);
const expectedOrder = () => windowedOrder(N, WINDOWS_45_20_10, byRelevance);
const oracle = oracleStarter(RELEVANCE);

describe("rankllm (RankZephyr prompt over an OpenAI-compatible server)", () => {
  test("family default, one user message, 4 windows for 45 documents, the expected order, 1-based ranks", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankllm", { baseUrl: o.baseUrl });
    assert.equal(ranker.model, "castorini/rank_zephyr_7b_v1_full");
    const results = await ranker.rank("what is xyz?", TEXTS);
    assert.equal(o.requests.length, 4);
    for (const r of o.requests) {
      assert.equal(r.kind, "rankllm");
      assert.equal(r.body.messages.length, 1);
      assert.equal(r.body.messages[0].role, "user");
      assert.equal(r.body.model, "castorini/rank_zephyr_7b_v1_full");
      assert.equal(r.headers.authorization, undefined);
      assert.equal(r.query, "what is xyz?");
    }
    assert.deepEqual(
      o.requests.map((r) => r.passages.length),
      [20, 20, 20, 15],
    );
    assert.deepEqual(o.requests[0].passages, TEXTS.slice(25, 45));
    assert.deepEqual(docIds(results), expectedOrder());
    assert.equal(results[0].rank, 1);
    assert.equal(results.hasScores, false);
  });

  test("stride is honoured (rank_llm's name for step)", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankllm", { baseUrl: o.baseUrl, windowSize: 20, stride: 5 });
    await ranker.rank("q", TEXTS);
    // [25,45) [20,40) … [0,20): 6 windows.
    assert.equal(o.requests.length, 6);
  });

  test("names route to rankllm; rank_llm shorthands map to the castorini checkpoints", async () => {
    assert.equal(resolveModel("castorini/rank_vicuna_7b_v1").modelType, "rankllm");
    assert.equal(resolveModel("castorini/first_mistral").modelType, "rankllm");
    const o = await oracle();
    const ranker = await Reranker("rank_zephyr", { baseUrl: o.baseUrl });
    assert.equal(ranker.modelType, "rankllm");
    assert.equal(ranker.model, "castorini/rank_zephyr_7b_v1_full");
    await ranker.rank("q", TEXTS.slice(0, 3));
    assert.equal(o.requests[0].body.model, "castorini/rank_zephyr_7b_v1_full");
  });

  test("[n] in query and passages is escaped to (n); ranking still maps by index", async () => {
    const docs = ["see [2] first", "plain", "see [1] also"];
    const o = await oracle({ relevance: { "see (2) first": 0.2, plain: 0.5, "see (1) also": 0.9 } });
    const ranker = await Reranker("rankllm", { baseUrl: o.baseUrl });
    const results = await ranker.rank("about [3]", docs);
    assert.deepEqual(o.requests[0].passages, ["see (2) first", "plain", "see (1) also"]);
    assert.equal(o.requests[0].query, "about (3)");
    assert.deepEqual(docIds(results), [2, 1, 0]);
  });

  for (const misbehave of [
    ["prose", "duplicates", "outOfRange"],
    ["missing"],
    ["garbage"],
  ] as Misbehaviour[][]) {
    test(`misbehaviour ${misbehave.join("+")}: every document exactly once`, async () => {
      const o = await oracle({ misbehave });
      const ranker = await Reranker("rankllm", { baseUrl: o.baseUrl });
      const ids = docIds(await ranker.rank("q", TEXTS));
      assert.deepEqual(
        [...ids].sort((a, b) => Number(a) - Number(b)),
        TEXTS.map((_, i) => i),
      );
      if (misbehave.includes("prose")) assert.deepEqual(ids, expectedOrder());
    });
  }

  test("duplicate texts stay distinct", async () => {
    const o = await oracle({ relevance: { same: 0.8, low: 0.1 } });
    const ranker = await Reranker("rankllm", { baseUrl: o.baseUrl });
    assert.deepEqual(docIds(await ranker.rank("q", ["low", "same", "same", "low"])), [1, 2, 0, 3]);
  });
});
