import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InvalidInputError, ProviderError, Reranker, UnsupportedOperationError } from "../src/index.js";
import type { ChatMessage } from "../src/llm/index.js";
import { runCliJson } from "./helpers/cli.js";
import {
  byRelevanceOf,
  docIds,
  oracleStarter,
  WINDOWS_45_20_10,
  windowedOrder,
} from "./helpers/llm-cases.js";
import type { Misbehaviour } from "./helpers/llm-oracle.js";

const KEY = "sk-test-SECRET-0123456789";
const N = 45;
const TEXTS = Array.from(
  { length: N },
  (_, i) => `passage number ${i} about topic ${String.fromCharCode(97 + (i % 26))}`,
);
/** A hidden relevance table: a fixed scramble of 0..44. */
const RELEVANCE: Record<string, number> = Object.fromEntries(TEXTS.map((t, i) => [t, ((i * 17) % N) / N]));
const byRelevance = byRelevanceOf(TEXTS, RELEVANCE);
/** The order the spec's four windows produce when the model sorts each window perfectly (stable). */
const expectedOrder = () => windowedOrder(N, WINDOWS_45_20_10, byRelevance);
const oracle = oracleStarter(RELEVANCE);

describe("rankgpt through Reranker()", () => {
  test("45 documents, window 20 / step 10: 4 calls, the spec's windows, the expected final order", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY });
    assert.equal(ranker.model, "gpt-4.1-mini");
    const results = await ranker.rank("which topic?", TEXTS);
    assert.equal(o.requests.length, 4);
    const windows = o.requests.map((r) => r.passages.map((p) => TEXTS.indexOf(p)));
    assert.deepEqual(
      windows[0],
      Array.from({ length: 20 }, (_, k) => 25 + k),
    );
    // Window 2 = untouched 15..24, then the 10 best of window 1 in the oracle's order.
    assert.deepEqual(windows[1], [
      ...Array.from({ length: 10 }, (_, k) => 15 + k),
      ...byRelevance(windows[0]).slice(0, 10),
    ]);
    assert.deepEqual(
      windows[2].slice(0, 10),
      Array.from({ length: 10 }, (_, k) => 5 + k),
    );
    assert.deepEqual(windows[3].slice(0, 5), [0, 1, 2, 3, 4]);
    assert.equal(windows[3].length, 15);
    assert.deepEqual(docIds(results), expectedOrder());
    // The first 10 are the global top 10.
    assert.deepEqual(docIds(results).slice(0, 10), byRelevance(TEXTS.map((_, i) => i)).slice(0, 10));
    assert.equal(results.hasScores, false);
    assert.equal(results[0].score, undefined);
    assert.deepEqual(
      [...results].map((r) => r.rank),
      Array.from({ length: N }, (_, i) => i + 1),
    );
    for (const r of o.requests) {
      assert.equal(r.headers.authorization, `Bearer ${KEY}`);
      assert.equal(r.body.model, "gpt-4.1-mini");
      assert.equal(r.body.temperature, 0);
      assert.equal(r.query, "which topic?");
    }
    await assert.rejects(ranker.score("q", "d"), UnsupportedOperationError);
  });

  test("up to windowSize documents: one call, final order = the oracle's order", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY });
    const docs = TEXTS.slice(0, 20);
    const results = await ranker.rank("q", docs);
    assert.equal(o.requests.length, 1);
    assert.deepEqual(docIds(results), o.rank(docs));
  });

  test("windowSize / step / rankEnd options", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankgpt", {
      baseUrl: o.baseUrl,
      apiKey: KEY,
      windowSize: 10,
      step: 5,
      rankEnd: 30,
    });
    const results = await ranker.rank("q", TEXTS);
    // rank_llm loop over [0, 30) with 10/5: [20,30) [15,25) [10,20) [5,15) [0,10).
    assert.equal(o.requests.length, 5);
    assert.ok(o.requests.every((r) => r.passages.length === 10));
    assert.deepEqual(
      docIds(results).slice(30),
      Array.from({ length: 15 }, (_, k) => 30 + k),
    );
    assert.deepEqual(
      docIds(results)
        .slice(0, 30)
        .sort((a, b) => Number(a) - Number(b)),
      Array.from({ length: 30 }, (_, k) => k),
    );
  });

  test("reasoning models: no temperature, max_completion_tokens; others: temperature 0, max_tokens", async () => {
    const o = await oracle();
    const o3 = await Reranker("o3-mini", { baseUrl: o.baseUrl, apiKey: KEY, maxTokens: 300 });
    assert.equal(o3.modelType, "rankgpt");
    await o3.rank("q", TEXTS.slice(0, 3));
    assert.equal("temperature" in o.requests[0].body, false);
    assert.equal((o.requests[0].body as Record<string, unknown>).max_completion_tokens, 300);
    const gpt = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY, maxTokens: 300 });
    await gpt.rank("q", TEXTS.slice(0, 3));
    assert.equal(o.requests[1].body.temperature, 0);
    assert.equal((o.requests[1].body as Record<string, unknown>).max_tokens, 300);
  });

  test("bad window options fail at creation; rankEnd 0 means all documents", async () => {
    const o = await oracle();
    await assert.rejects(
      Reranker("rankgpt", { baseUrl: o.baseUrl, windowSize: 5, step: 6 }),
      InvalidInputError,
    );
    await assert.rejects(Reranker("rankgpt", { baseUrl: o.baseUrl, windowSize: 0 }), InvalidInputError);
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, rankEnd: 0, windowSize: 5 });
    assert.equal(ranker.model, "gpt-4.1-mini");
    await ranker.rank("q", TEXTS.slice(0, 5));
    assert.equal(o.requests[0].passages.length, 5);
  });

  test("rankScores gives 1/rank", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY, rankScores: true });
    const results = await ranker.rank("q", TEXTS.slice(0, 5));
    assert.equal(results.hasScores, true);
    assert.deepEqual(
      [...results].map((r) => r.score),
      [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5],
    );
  });

  const cases: Misbehaviour[][] = [
    ["prose"],
    ["duplicates"],
    ["outOfRange"],
    ["prose", "duplicates", "outOfRange"],
  ];
  for (const misbehave of cases) {
    test(`recoverable misbehaviour ${misbehave.join("+")}: same order as a well-behaved model`, async () => {
      const o = await oracle({ misbehave });
      const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY });
      assert.deepEqual(docIds(await ranker.rank("q", TEXTS)), expectedOrder());
    });
  }

  for (const misbehave of [
    ["missing"],
    ["garbage"],
    ["missing", "duplicates", "outOfRange", "prose"],
  ] as Misbehaviour[][]) {
    test(`lossy misbehaviour ${misbehave.join("+")}: every document exactly once`, async () => {
      const o = await oracle({ misbehave });
      const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY });
      const ids = docIds(await ranker.rank("q", TEXTS));
      assert.equal(ids.length, N);
      assert.deepEqual(
        [...ids].sort((a, b) => Number(a) - Number(b)),
        TEXTS.map((_, i) => i),
      );
      if (misbehave.includes("garbage"))
        assert.deepEqual(
          ids,
          TEXTS.map((_, i) => i),
        );
    });
  }

  test("duplicate texts stay distinct documents", async () => {
    const o = await oracle({ relevance: { dup: 0.9, other: 0.1 } });
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY });
    const results = await ranker.rank("q", ["other", "dup", "other", "dup"]);
    assert.deepEqual(docIds(results), [1, 3, 0, 2]);
  });

  test("429 with Retry-After, 500 and a timeout are retried", async () => {
    const o = await oracle({ failures: ["429", "500", "timeout"], retryAfter: "0" });
    const ranker = await Reranker("rankgpt", {
      baseUrl: o.baseUrl,
      apiKey: KEY,
      timeoutMs: 300,
      maxRetries: 3,
    });
    const docs = TEXTS.slice(0, 8);
    const results = await ranker.rank("q", docs);
    assert.equal(o.requests.length, 4);
    assert.deepEqual(
      o.requests.map((r) => r.failure),
      ["429", "500", "timeout", undefined],
    );
    assert.deepEqual(docIds(results), o.rank(docs));
  });

  test("the API key never appears in errors", async () => {
    const o = await oracle({ failures: ["401"] });
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY });
    const err = await ranker.rank("q", TEXTS.slice(0, 3)).then(
      () => assert.fail("expected a failure"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProviderError);
    assert.equal(err.status, 401);
    const seen = `${err.message} ${String(err)} ${err.stack} ${JSON.stringify(err)} ${String((err as Error).cause ?? "")}`;
    assert.ok(!seen.includes(KEY), seen);

    const o2 = await oracle({ failures: ["429", "429"] });
    const r2 = await Reranker("rankgpt", { baseUrl: o2.baseUrl, apiKey: KEY, maxRetries: 1 });
    await assert.rejects(r2.rank("q", TEXTS.slice(0, 3)), (e: unknown) => {
      assert.ok(e instanceof ProviderError && e.status === 429 && !e.message.includes(KEY));
      return true;
    });
    assert.equal(o2.requests.length, 2);
  });

  test("lang is forwarded: zh passages are cut to 300 characters", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY, lang: "zh" });
    await ranker.rank("问题", ["字".repeat(500), "短"]);
    assert.equal(o.requests[0].passages[0], "字".repeat(300));
  });

  test("family defaults: rankgpt3 → gpt-4o-mini, rankgpt4 → gpt-4.1, gpt-4o detected as rankgpt", async () => {
    const o = await oracle();
    for (const [name, model] of [
      ["rankgpt3", "gpt-4o-mini"],
      ["rankgpt4", "gpt-4.1"],
      ["gpt-4o", "gpt-4o"],
    ]) {
      const ranker = await Reranker(name, { baseUrl: o.baseUrl, apiKey: KEY });
      assert.equal(ranker.modelType, "rankgpt");
      await ranker.rank("q", TEXTS.slice(0, 2));
      assert.equal(o.requests.at(-1)?.body.model, model);
    }
  });

  test("OPENAI_API_KEY goes to the endpoint the user configured (OpenAI SDK convention); no key for OpenAI is an input error", async () => {
    const saved = process.env.OPENAI_API_KEY;
    try {
      process.env.OPENAI_API_KEY = KEY;
      const o = await oracle();
      const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl });
      await ranker.rank("q", TEXTS.slice(0, 2));
      assert.equal(o.requests[0].headers.authorization, `Bearer ${KEY}`);
      delete process.env.OPENAI_API_KEY;
      await assert.rejects(Reranker("rankgpt"), InvalidInputError);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  test("the chat option replaces HTTP", async () => {
    const calls: { messages: ChatMessage[]; model: string }[] = [];
    const ranker = await Reranker("rankgpt", {
      chat: async (messages: ChatMessage[], { model }: { model: string }) => {
        calls.push({ messages, model });
        const num = messages.filter((m) => m.role === "assistant" && m.content.startsWith("Received")).length;
        return Array.from({ length: num }, (_, i) => `[${num - i}]`).join(" > ");
      },
    });
    const results = await ranker.rank("q", ["a", "b", "c"]);
    assert.deepEqual(docIds(results), [2, 1, 0]);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].model, "gpt-4.1-mini");
    assert.equal(calls[0].messages[0].role, "system");
  });

  test("abort signal cancels a request in flight", async () => {
    const o = await oracle({ failures: ["timeout"] });
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY, timeoutMs: 20_000 });
    const started = Date.now();
    await assert.rejects(ranker.rank("q", TEXTS.slice(0, 3), { signal: AbortSignal.timeout(150) }), /abort/i);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(o.requests.length, 1);
  });

  test("abort signal stops between windows", async () => {
    const o = await oracle();
    const ranker = await Reranker("rankgpt", { baseUrl: o.baseUrl, apiKey: KEY });
    const ctrl = new AbortController();
    const p = ranker.rank("q", TEXTS, {
      signal: ctrl.signal,
      onProgress: () => ctrl.abort(),
    });
    await assert.rejects(p, /abort/i);
    assert.ok(o.requests.length < 4);
  });
});

describe("rankgpt through the CLI", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rerankers-llm-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("rerankers rank --model-type rankgpt --base-url … --json", async () => {
    const o = await oracle();
    const docsFile = join(dir, "docs.jsonl");
    const docs = TEXTS.slice(0, 12);
    await writeFile(docsFile, docs.map((t) => JSON.stringify({ text: t })).join("\n"));
    const out = await runCliJson<{ results: { docId: number; rank: number }[] }>(
      [
        "rank",
        "--model",
        "gpt-4.1-mini",
        "--model-type",
        "rankgpt",
        "--base-url",
        o.baseUrl,
        "--api-key",
        KEY,
        "--option",
        "windowSize=5",
        "--option",
        "step=2",
        "--query",
        "which topic?",
        "--docs",
        docsFile,
        "--json",
      ],
      { timeoutMs: 30_000 },
    );
    assert.equal(out.results.length, 12);
    // 12 documents, window 5, step 2: [7,12) [5,10) [3,8) [1,6) [0,4).
    assert.equal(o.requests.length, 5);
    assert.deepEqual(
      o.requests.map((r) => r.passages.length),
      [5, 5, 5, 5, 4],
    );
    assert.equal(out.results[0].docId, o.rank(docs)[0]);
  });
});
