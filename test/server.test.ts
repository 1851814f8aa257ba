import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Reranker } from "../src/index.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";
import { type ServerProcess, startServeProcess } from "./helpers/serve-process.js";

const TINY = fixturePath("tiny-bert-cross-encoder");
const MINILM = fixturePath("minilm-l6-h384-random");
const CASE = readReference("tiny-bert-cross-encoder").cases[0] as {
  query: string;
  docs: { text: string }[];
  scores: number[];
  ranking: number[];
};
const texts = CASE.docs.map((d) => d.text);
const KEY = "test-server-key-123";
/** 40 passages that each fill MiniLM's 512 tokens: about a second of fp32 work on 2 cores. */
const longDocs = Array.from(
  { length: 40 },
  (_, i) => `passage ${i} ${"the state of the union address covered many topics ".repeat(60)}`,
);

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/rerank`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe("rerankers serve (real process)", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServeProcess([
      "--model",
      TINY,
      "--model-type",
      "cross-encoder",
      "--api-key",
      KEY,
      "--max-documents",
      "50",
      "--max-query-chars",
      "100",
      "--max-document-chars",
      "5000",
      "--max-body-bytes",
      "100000",
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  it("answers our own compatible client with the reference ranking and scores", async () => {
    const client = await Reranker("compatible:default", { baseUrl: server.url, apiKey: KEY });
    const res = await client.rank(CASE.query, texts);
    assert.deepEqual(
      [...res].map((r) => r.docId),
      CASE.ranking,
    );
    for (const r of res) assert.ok(Math.abs((r.score as number) - CASE.scores[r.docId as number]) < 1e-4);
    const top = await client.rank(CASE.query, texts, { topK: 3, docIds: texts.map((_, i) => `d${i}`) });
    assert.deepEqual(
      [...top].map((r) => r.docId),
      CASE.ranking.slice(0, 3).map((i) => `d${i}`),
    );
  });

  it("speaks the Cohere/Jina wire format to raw fetch, on /v1 and /v2", async () => {
    const res = await post(server.url, {
      query: CASE.query,
      documents: texts,
      top_n: 2,
      return_documents: true,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.results.length, 2);
    assert.deepEqual(
      res.body.results.map((r: { index: number }) => r.index),
      CASE.ranking.slice(0, 2),
    );
    assert.equal(res.body.results[0].document.text, texts[CASE.ranking[0]]);
    const v2 = await fetch(`${server.url}/v2/rerank`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: TINY, query: CASE.query, documents: texts.map((text) => ({ text })) }),
    });
    const body = (await v2.json()) as { results: { index: number; relevance_score: number }[] };
    assert.equal(body.results.length, texts.length);
    assert.equal(body.results[0].index, CASE.ranking[0]);
  });

  it("requires the bearer token", async () => {
    assert.equal(
      (await post(server.url, { query: "q", documents: ["a"] }, { authorization: "" })).status,
      401,
    );
    const wrong = await post(server.url, { query: "q", documents: ["a"] }, { authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.message, /API key/);
    assert.ok(!JSON.stringify(wrong.body).includes(KEY));
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  it("rejects malformed and invalid bodies with JSON errors", async () => {
    const malformed = await post(server.url, "{not json");
    assert.equal(malformed.status, 400);
    assert.equal(typeof malformed.body.message, "string");
    const missing = await post(server.url, { documents: ["a"] });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /query/);
    const badDocs = await post(server.url, { query: "q", documents: [1, 2] });
    assert.equal(badDocs.status, 400);
  });

  it("enforces limits: 413 for body size and document count, 422 for lengths", async () => {
    assert.equal((await post(server.url, { query: "q", documents: Array(51).fill("a") })).status, 413);
    assert.equal((await post(server.url, { query: "q", documents: ["x".repeat(120_000)] })).status, 413);
    assert.equal((await post(server.url, { query: "q".repeat(101), documents: ["a"] })).status, 422);
    const longDoc = await post(server.url, { query: "q", documents: ["a", "y".repeat(5001)] });
    assert.equal(longDoc.status, 422);
    assert.match(longDoc.body.message, /documents\[1\]/);
  });

  it("only serves the models it was started with", async () => {
    const res = await post(server.url, { model: "/etc/passwd", query: "q", documents: ["a"] });
    assert.equal(res.status, 404);
    assert.match(res.body.message, /unknown model/);
    const hub = await post(server.url, {
      model: "cross-encoder/ms-marco-MiniLM-L-6-v2",
      query: "q",
      documents: ["a"],
    });
    assert.equal(hub.status, 404);
  });

  it("exposes health and Prometheus metrics", async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      status: string;
      models: string[];
    };
    assert.deepEqual(health, { status: "ok", models: [TINY], queueDepth: 0 });
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    const text = await metrics.text();
    assert.match(metrics.headers.get("content-type") ?? "", /text\/plain/);
    assert.match(text, /rerankers_requests_total\{route="\/v1\/rerank",model="[^"]+",status="200"\} [1-9]/);
    assert.match(text, /rerankers_request_duration_seconds_bucket/);
    assert.match(text, /rerankers_documents_scored_total/);
    assert.match(text, /rerankers_queue_depth/);
  });
});

describe("rerankers serve under load (real process, MiniLM)", () => {
  it("answers 503 with Retry-After when the queue is full, serves the rest, and keeps /health responsive", async () => {
    const server = await startServeProcess([
      "--model",
      MINILM,
      "--model-type",
      "cross-encoder",
      "--max-concurrent",
      "1",
      "--max-queue",
      "1",
    ]);
    try {
      const started = Date.now();
      const requests = Array.from({ length: 4 }, () =>
        post(server.url, { query: "what did the president say", documents: longDocs }),
      );
      await new Promise((r) => setTimeout(r, 150));
      const t0 = Date.now();
      const health = await fetch(`${server.url}/health`);
      const healthMs = Date.now() - t0;
      const results = await Promise.all(requests);
      const busy = results.filter((r) => r.status === 503);
      const ok = results.filter((r) => r.status === 200);
      assert.ok(busy.length >= 1, `statuses ${results.map((r) => r.status)}`);
      assert.ok(ok.length >= 1);
      for (const r of busy) assert.equal(r.headers.get("retry-after"), "1");
      for (const r of ok)
        assert.equal(new Set(r.body.results.map((x: { index: number }) => x.index)).size, longDocs.length);
      assert.equal(health.status, 200);
      // Inference runs in a worker thread: /health must not wait for the rankings queued before it.
      assert.ok(healthMs < (Date.now() - started) / 2, `health took ${healthMs} ms`);
    } finally {
      await server.stop();
    }
  });

  it("finishes in-flight requests on SIGTERM, then exits 0 and refuses new connections", async () => {
    const server = await startServeProcess([
      "--model",
      MINILM,
      "--model-type",
      "cross-encoder",
      "--shutdown-timeout",
      "120000",
    ]);
    const inflight = post(server.url, { query: "what did the president say", documents: longDocs });
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill("SIGTERM");
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.equal(res.body.results.length, longDocs.length);
    assert.equal(await server.exited, 0);
    await assert.rejects(fetch(`${server.url}/health`));
  });
});
