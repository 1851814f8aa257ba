import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import "../src/core/families.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { type RunningServer, startServer } from "../src/server/serve.js";
import { fixturePath } from "./helpers/fixtures.js";

/**
 * Issue 15.5: tokenising 1,000 documents of 4 KB on the server's main thread held `/health` for seconds. Worker
 * sessions tokenise in the worker, so the event loop answers while a big request is in flight. The check is
 * relative: the slowest /health against the time tokenising those documents takes on this thread, measured just
 * before (on the main thread, one /health waits for nearly all of it). A slow or loaded machine slows both alike.
 */
const MODEL = fixturePath("tiny-bert-cross-encoder");
/** 1,000 different 4 KB documents cut from the bench workload's passages (real prose, no repeated text). */
function documents(): string[] {
  const workload = JSON.parse(readFileSync(fixturePath("bench", "workload.json"), "utf8")) as {
    queries: { docs: { text: string }[] }[];
  };
  const text = workload.queries.flatMap((q) => q.docs.map((d) => d.text)).join(" ");
  return Array.from({ length: 1000 }, (_, i) => {
    const from = (i * 3989) % (text.length - 4096);
    return text.slice(from, from + 4096);
  });
}

describe("server event loop under a large request", { timeout: 180_000 }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      models: [{ name: MODEL, options: { modelType: "cross-encoder", threads: 1 } }],
      port: 0,
      limits: { maxBodyBytes: 16 * 1024 * 1024 },
    });
  });
  after(() => server.close());

  it("/health stays fast while 1,000 x 4 KB documents are tokenised and scored", async () => {
    const docs = documents();
    const query = "what did the president say about sanctions";
    const tokenizer = await Tokenizer.fromDir(MODEL);
    // The yardstick: tokenising these documents on this thread, the best of one run before and one after.
    let tokenizeMs = Number.POSITIVE_INFINITY;
    const tokenize = () => {
      const tok0 = performance.now();
      for (const d of docs) tokenizer.encodePair(query, d, 512);
      tokenizeMs = Math.min(tokenizeMs, performance.now() - tok0);
    };
    tokenize();
    const health = async () => {
      const res = await fetch(`${server.url}/health`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
    };
    await health(); // connection and route warm-up

    const t0 = performance.now();
    let finished = false;
    const big = fetch(`${server.url}/v1/rerank`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, documents: docs }),
    }).then(async (res) => {
      const body = (await res.json()) as { results: { index: number }[] };
      finished = true;
      return { status: res.status, body };
    });
    // The longest wait for an answer, counted from when the previous one came (a probe that is only sent after a
    // stall would otherwise not see it): the longest time the server could not have answered /health.
    const gaps: number[] = [];
    let last = performance.now();
    while (!finished) {
      await health();
      gaps.push(performance.now() - last);
      await new Promise((r) => setTimeout(r, 10));
      last = performance.now() - 10;
    }
    const { status, body } = await big;
    const bigMs = performance.now() - t0;
    tokenize();

    assert.equal(status, 200);
    assert.equal(new Set(body.results.map((r) => r.index)).size, docs.length);
    const slowest = Math.max(...gaps);
    assert.ok(
      gaps.length >= 5,
      `only ${gaps.length} /health answers during a ${bigMs.toFixed(0)} ms request`,
    );
    assert.ok(
      slowest < tokenizeMs / 3,
      `longest wait for /health ${slowest.toFixed(0)} ms; tokenising the request takes ${tokenizeMs.toFixed(0)} ms here (request ${bigMs.toFixed(0)} ms, ${gaps.length} answers)`,
    );
  });
});
