import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Reranker } from "../src/index.js";
import type { ChatMessage } from "../src/llm/index.js";
import { runCliJson } from "./helpers/cli.js";
import { oracleStarter } from "./helpers/llm-cases.js";

const KEY = "sk-filter-SECRET-42";
const N = 25;
const TEXTS = Array.from({ length: N }, (_, i) => `document ${i}: ${i % 2 ? "cats" : "dogs"} and more`);
/** P(RELEVANT) per text: spread over (0, 1), some above and some below 0.5. */
const PROB: Record<string, number> = Object.fromEntries(
  TEXTS.map((t, i) => [t, 0.02 + (((i * 7) % N) / N) * 0.96]),
);

const oracle = oracleStarter(PROB);

describe("llm-relevance-filter", () => {
  test("batches of 10 with 0-based ids, logprob scores = the model's P(RELEVANT)", async () => {
    const o = await oracle();
    const ranker = await Reranker("llm-relevance-filter", { baseUrl: o.baseUrl, apiKey: KEY });
    assert.equal(ranker.model, "gpt-4.1-mini");
    const results = await ranker.rank("pets?", TEXTS);
    assert.equal(o.requests.length, 3);
    assert.deepEqual(o.requests.map((r) => r.passages.length).sort(), [10, 10, 5]);
    for (const r of o.requests) {
      assert.equal(r.kind, "relevance");
      assert.equal(r.body.logprobs, true);
      assert.equal(r.body.top_logprobs, 5);
      assert.equal(r.body.messages.length, 1);
      assert.ok(r.body.messages[0].content.includes(`<document id=0>\n${r.passages[0]}\n</document>`));
    }
    assert.equal(results.hasScores, true);
    for (const r of results) {
      assert.ok(
        Math.abs((r.score ?? Number.NaN) - PROB[r.text]) < 1e-9,
        `${r.text}: ${r.score} vs ${PROB[r.text]}`,
      );
      assert.equal(r.flags.unjudged, undefined);
    }
    const expected = TEXTS.map((_, i) => i).sort((a, b) => PROB[TEXTS[b]] - PROB[TEXTS[a]]);
    assert.deepEqual(
      [...results].map((r) => r.docId),
      expected,
    );
  });

  test("without logprobs the score is 1 (RELEVANT) or 0 (NOT_RELEVANT)", async () => {
    for (const options of [{ logprobs: false }, {}] as Record<string, unknown>[]) {
      const o = await oracle({ logprobs: false });
      const ranker = await Reranker("llm-relevance-filter", { baseUrl: o.baseUrl, apiKey: KEY, ...options });
      const results = await ranker.rank("pets?", TEXTS);
      if (options.logprobs === false) assert.ok(o.requests.every((r) => r.body.logprobs === undefined));
      for (const r of results) assert.equal(r.score, PROB[r.text] >= 0.5 ? 1 : 0);
    }
  });

  test("a server that rejects logprobs: retried once without, then never asked again", async () => {
    const o = await oracle({ rejectLogprobs: true });
    const ranker = await Reranker("llm-relevance-filter", {
      baseUrl: o.baseUrl,
      apiKey: KEY,
      maxConcurrency: 1,
    });
    const results = await ranker.rank("pets?", TEXTS);
    assert.deepEqual(
      o.requests.map((r) => r.body.logprobs === true),
      [true, false, false, false],
    );
    for (const r of results) assert.equal(r.score, PROB[r.text] >= 0.5 ? 1 : 0);
  });

  test("documents the model does not mention are unjudged: no score, flagged, ranked last", async () => {
    const omit = [TEXTS[3], TEXTS[12], TEXTS[24]];
    const o = await oracle({ omit });
    const ranker = await Reranker("llm-relevance-filter", { baseUrl: o.baseUrl, apiKey: KEY });
    const results = await ranker.rank("pets?", TEXTS);
    assert.equal(results.length, N);
    assert.deepEqual(
      [...results].slice(-3).map((r) => r.docId),
      [3, 12, 24],
    );
    for (const id of [3, 12, 24]) {
      const r = results.resultOf(id);
      assert.equal(r?.score, undefined);
      assert.equal(r?.flags.unjudged, true);
      assert.deepEqual(r?.toJSON().flags, { unjudged: true });
    }
    assert.equal(results.resultOf(0)?.flags.unjudged, undefined);
    const top = await ranker.rank("pets?", TEXTS, { topK: 5 });
    assert.equal(top.length, 5);
    assert.ok(top.results.every((r) => r.score !== undefined));
  });

  test("quoted ids and missing closing tags are accepted", async () => {
    const o = await oracle({ misbehave: ["quotedIds", "noClosingTags"] });
    const ranker = await Reranker("llm-relevance-filter", { baseUrl: o.baseUrl, apiKey: KEY });
    const results = await ranker.rank("pets?", TEXTS);
    for (const r of results) {
      assert.equal(r.flags.unjudged, undefined);
      assert.ok(Math.abs((r.score ?? Number.NaN) - PROB[r.text]) < 1e-9);
    }
  });

  test("maxDocumentsPerCall, batchSize and maxConcurrency", async () => {
    const o = await oracle({ delayMs: 40 });
    const ranker = await Reranker("llm-relevance-filter", {
      baseUrl: o.baseUrl,
      apiKey: KEY,
      maxDocumentsPerCall: 3,
      maxConcurrency: 2,
    });
    await ranker.rank("pets?", TEXTS);
    assert.equal(o.requests.length, 9);
    assert.ok(o.requests.every((r) => r.passages.length <= 3));
    assert.equal(o.peakInFlight, 2);
    const before = o.requests.length;
    await ranker.rank("pets?", TEXTS, { batchSize: 25 });
    assert.equal(o.requests.length - before, 1);
  });

  test("duplicate texts are judged as separate documents", async () => {
    const o = await oracle({ relevance: { yes: 0.9, no: 0.1 } });
    const ranker = await Reranker("llm-relevance-filter", { baseUrl: o.baseUrl, apiKey: KEY });
    const results = await ranker.rank("q", ["no", "yes", "yes", "no"]);
    assert.deepEqual(
      [...results].map((r) => r.docId),
      [1, 2, 0, 3],
    );
    assert.equal(o.requests[0].passages.length, 4);
  });

  test("score() of one pair", async () => {
    const o = await oracle();
    const ranker = await Reranker("llm-relevance-filter", { baseUrl: o.baseUrl, apiKey: KEY });
    assert.ok(Math.abs((await ranker.score("q", TEXTS[5])) - PROB[TEXTS[5]]) < 1e-9);
  });

  test("the chat option (no logprobs: 1/0 scores)", async () => {
    const seen: ChatMessage[][] = [];
    const ranker = await Reranker("llm-relevance-filter", {
      chat: async (messages: ChatMessage[]) => {
        seen.push(messages);
        return "<document id=1>\n<answer>RELEVANT</answer>\n</document>\n<document id=0>\n<answer>NOT_RELEVANT</answer>\n</document>";
      },
    });
    const results = await ranker.rank("q", ["a", "b"]);
    assert.deepEqual(
      [...results].map((r) => [r.docId, r.score]),
      [
        [1, 1],
        [0, 0],
      ],
    );
    assert.equal(seen.length, 1);
  });

  test("through the CLI", async () => {
    const o = await oracle();
    const dir = await mkdtemp(join(tmpdir(), "rerankers-filter-"));
    try {
      const docsFile = join(dir, "docs.json");
      await writeFile(docsFile, JSON.stringify(TEXTS.slice(0, 6)));
      const out = await runCliJson<{ modelType: string; results: { text: string; score: number }[] }>(
        [
          "rank",
          "--model",
          "llm-relevance-filter",
          "--base-url",
          o.baseUrl,
          "--api-key",
          KEY,
          "--option",
          "maxDocumentsPerCall=4",
          "--query",
          "pets?",
          "--docs",
          docsFile,
          "--json",
        ],
        { timeoutMs: 30_000 },
      );
      assert.equal(out.modelType, "llm-relevance-filter");
      assert.equal(o.requests.length, 2);
      for (const r of out.results) assert.ok(Math.abs(r.score - PROB[r.text]) < 1e-9);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
