import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AbortedError, InvalidInputError, ProviderError, Reranker } from "../src/index.js";
import { joinUrl, planBatches, validateResults } from "../src/providers/hosted.js";
import { exposed } from "./helpers/exposed.js";
import { type ProviderServer, relevanceTable, startProviderServer } from "./helpers/provider-server.js";

const KEY = "test-key-DO-NOT-LEAK-9f8e7d6c";
const FAST = { retryBaseDelayMs: 1, retryMaxDelayMs: 5, maxRetryAfterMs: 50 };
const QUERY = "what is the capital of france";
const DOCS = [
  "Berlin is the capital of Germany.",
  "Paris is the capital of France.",
  "The Eiffel Tower is in Paris.",
  "Madrid is the capital of Spain.",
  "France is a country in Europe.",
];

/** The ranking the hidden table implies: indices by relevance, best first. */
function expectedOrder(texts: readonly string[], table: ReadonlyMap<string, number>): number[] {
  return texts
    .map((_, i) => i)
    .sort((a, b) => (table.get(texts[b]) ?? 0) - (table.get(texts[a]) ?? 0) || a - b);
}

const PROVIDERS: Array<{ name: string; wire: string; model: string; keyed: boolean; top?: string }> = [
  { name: "cohere", wire: "cohere", model: "cohere:rerank-v3.5", keyed: true, top: "top_n" },
  { name: "jina", wire: "jina", model: "jina:jina-reranker-v2-base-multilingual", keyed: true, top: "top_n" },
  { name: "voyage", wire: "voyage", model: "voyage:rerank-2.5", keyed: true, top: "top_k" },
  {
    name: "mixedbread.ai",
    wire: "mixedbread.ai",
    model: "mixedbread.ai:mixedbread-ai/mxbai-rerank-large-v2",
    keyed: true,
    top: "top_k",
  },
  { name: "pinecone", wire: "pinecone", model: "pinecone:bge-reranker-v2-m3", keyed: true, top: "top_n" },
  { name: "isaacus", wire: "isaacus", model: "isaacus:kanon-2-reranker", keyed: true, top: "top_n" },
  {
    name: "text-embeddings-inference",
    wire: "text-embeddings-inference",
    model: "tei:BAAI/bge-reranker-base",
    keyed: false,
  },
  {
    name: "compatible",
    wire: "compatible",
    model: "compatible:BAAI/bge-reranker-v2-m3",
    keyed: false,
    top: "top_n",
  },
];

describe("hosted providers speak their wire formats", () => {
  const table = relevanceTable(DOCS);
  for (const p of PROVIDERS) {
    describe(p.name, () => {
      let server: ProviderServer;
      before(async () => {
        server = await startProviderServer({ wire: p.wire, apiKey: KEY, relevance: table });
      });
      after(() => server.close());

      it("ranks, keeps ids and metadata, and passes topK on", async () => {
        const ranker = await Reranker(p.model, { baseUrl: server.url, apiKey: KEY, ...FAST });
        assert.equal(ranker.provider, p.name);
        const docIds = DOCS.map((_, i) => `d${i}`);
        const metadata = DOCS.map((_, i) => ({ n: i }));
        const results = await ranker.rank(QUERY, DOCS, { docIds, metadata });
        const order = expectedOrder(DOCS, table);
        assert.deepEqual(
          results.results.map((r) => r.docId),
          order.map((i) => `d${i}`),
        );
        for (const r of results) {
          const i = Number(String(r.docId).slice(1));
          assert.equal(r.text, DOCS[i]);
          assert.deepEqual(r.metadata, { n: i });
          assert.equal(r.score, table.get(DOCS[i]));
        }
        assert.equal(server.requests.length, 1);

        const top2 = await ranker.rank(QUERY, DOCS, { topK: 2, docIds });
        assert.deepEqual(
          top2.results.map((r) => r.docId),
          order.slice(0, 2).map((i) => `d${i}`),
        );
        if (p.top) assert.equal(server.requests.at(-1)?.body[p.top], 2);
      });

      it("score(query, doc) returns the pair's score", async () => {
        const ranker = await Reranker(p.model, { baseUrl: server.url, apiKey: KEY, ...FAST });
        assert.equal(await ranker.score(QUERY, DOCS[1]), table.get(DOCS[1]));
      });

      it("a wrong key is a 401 ProviderError after exactly one attempt, without the key", async () => {
        const before = server.requests.length;
        const wrong = `${KEY}-wrong`;
        const ranker = await Reranker(p.model, { baseUrl: server.url, apiKey: wrong, ...FAST });
        const err = await ranker.rank(QUERY, DOCS).catch((e) => e);
        assert.ok(err instanceof ProviderError, String(err));
        assert.equal(err.status, 401);
        assert.equal(err.exitCode, 4);
        assert.equal(server.requests.length - before, 1);
        assert.ok(!exposed(err).includes(wrong));
      });
    });
  }
});

describe("keys, URLs and options", () => {
  const table = relevanceTable(DOCS);
  let server: ProviderServer;
  before(async () => {
    server = await startProviderServer({ wire: "cohere", apiKey: KEY, relevance: table });
  });
  after(() => server.close());

  it("reads the key from the environment", async () => {
    const saved = process.env.COHERE_API_KEY;
    process.env.COHERE_API_KEY = KEY;
    try {
      const ranker = await Reranker("cohere:rerank-v3.5", { baseUrl: server.url, ...FAST });
      const r = await ranker.rank(QUERY, DOCS);
      assert.equal(r.length, DOCS.length);
    } finally {
      if (saved === undefined) delete process.env.COHERE_API_KEY;
      else process.env.COHERE_API_KEY = saved;
    }
  });

  it("a missing key is an InvalidInputError before any request", async () => {
    const saved = process.env.COHERE_API_KEY;
    delete process.env.COHERE_API_KEY;
    const before = server.requests.length;
    try {
      const err = await Reranker("cohere:rerank-v3.5", { baseUrl: server.url }).catch((e) => e);
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /COHERE_API_KEY/);
      assert.equal(err.exitCode, 2);
      assert.equal(server.requests.length, before);
    } finally {
      if (saved !== undefined) process.env.COHERE_API_KEY = saved;
    }
  });

  it("TEI and compatible need a base URL", async () => {
    for (const name of ["tei:BAAI/bge-reranker-base", "compatible:x"]) {
      const err = await Reranker(name, {}).catch((e) => e);
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /baseUrl/);
    }
  });

  it("sends Cohere v2 fields by default and v1 when asked", async () => {
    const ranker = await Reranker("cohere:rerank-v3.5", {
      baseUrl: server.url,
      apiKey: KEY,
      maxTokensPerDoc: 512,
    });
    await ranker.rank(QUERY, DOCS);
    const last = server.requests.at(-1);
    assert.equal(last?.path, "/v2/rerank");
    assert.equal(last?.body.max_tokens_per_doc, 512);
    assert.equal(last?.body.model, "rerank-v3.5");

    const v1 = await startProviderServer({ wire: "cohere-v1", apiKey: KEY, relevance: table });
    try {
      const r1 = await Reranker("cohere:rerank-english-v3.0", {
        baseUrl: v1.url,
        apiKey: KEY,
        apiVersion: "v1",
      });
      const res = await r1.rank(QUERY, DOCS);
      assert.equal(res[0].text, DOCS[expectedOrder(DOCS, table)[0]]);
      assert.equal(v1.requests[0].path, "/v1/rerank");
      assert.equal(v1.requests[0].body.return_documents, false);
    } finally {
      await v1.close();
    }
  });

  it("joins base URLs without doubling the path", () => {
    assert.equal(joinUrl("http://h:1/", "/v1/rerank"), "http://h:1/v1/rerank");
    assert.equal(joinUrl("http://h:1/v1", "/v1/rerank"), "http://h:1/v1/rerank");
    assert.equal(joinUrl("http://h:1/v1/rerank", "/v1/rerank"), "http://h:1/v1/rerank");
    assert.equal(joinUrl("http://h:1/proxy", "/rerank"), "http://h:1/proxy/rerank");
  });

  it("Pinecone sends Api-Key, the version header and object documents", async () => {
    const pc = await startProviderServer({ wire: "pinecone", apiKey: KEY, relevance: table });
    try {
      const r = await Reranker("pinecone:bge-reranker-v2-m3", {
        baseUrl: pc.url,
        apiKey: KEY,
        truncate: "END",
      });
      await r.rank(QUERY, DOCS);
      const req = pc.requests[0];
      assert.equal(req.headers["api-key"], KEY);
      assert.equal(req.headers.authorization, undefined);
      assert.match(String(req.headers["x-pinecone-api-version"]), /^\d{4}-\d{2}$/);
      assert.deepEqual(
        req.body.documents,
        DOCS.map((text) => ({ text })),
      );
      assert.deepEqual(req.body.rank_fields, ["text"]);
      assert.deepEqual(req.body.parameters, { truncate: "END" });
    } finally {
      await pc.close();
    }
  });

  it("compatible works without a key and omits the placeholder model", async () => {
    const c = await startProviderServer({ wire: "compatible", relevance: table });
    try {
      const r = await Reranker("compatible", { baseUrl: `${c.url}/v1` });
      const res = await r.rank(QUERY, DOCS);
      assert.equal(res.length, DOCS.length);
      assert.equal(c.requests[0].headers.authorization, undefined);
      assert.equal(c.requests[0].body.model, undefined);
    } finally {
      await c.close();
    }
  });
});

describe("fault behaviour", () => {
  const table = relevanceTable(DOCS);
  let server: ProviderServer;
  const logs: string[] = [];
  const make = (extra: Record<string, unknown> = {}) =>
    Reranker("cohere:rerank-v3.5", {
      baseUrl: server.url,
      apiKey: KEY,
      ...FAST,
      onRetry: (e: unknown) => logs.push(JSON.stringify(e)),
      ...extra,
    });
  before(async () => {
    server = await startProviderServer({ wire: "cohere", apiKey: KEY, relevance: table });
  });
  after(() => server.close());

  async function attempts(fn: () => Promise<unknown>): Promise<{ n: number; value: unknown }> {
    const before = server.requests.length;
    const value = await fn().catch((e) => e);
    return { n: server.requests.length - before, value };
  }

  const expectedIds = () => expectedOrder(DOCS, table);

  it("429 with Retry-After, then success: 2 attempts, nothing lost", async () => {
    const ranker = await make();
    server.faults.push("429");
    const { n, value } = await attempts(() => ranker.rank(QUERY, DOCS));
    assert.equal(n, 2);
    assert.deepEqual(
      (value as { results: { docId: number }[] }).results.map((r) => r.docId),
      expectedIds(),
    );
  });

  it("503 twice, then success: 3 attempts", async () => {
    const ranker = await make();
    server.faults.push("503", "503");
    const { n, value } = await attempts(() => ranker.rank(QUERY, DOCS));
    assert.equal(n, 3);
    assert.equal((value as { length: number }).length, DOCS.length);
  });

  it("500 on every attempt: maxRetries + 1 attempts, then a ProviderError", async () => {
    const ranker = await make({ maxRetries: 2 });
    server.faults.push("500", "500", "500");
    const { n, value } = await attempts(() => ranker.rank(QUERY, DOCS));
    assert.equal(n, 3);
    assert.ok(value instanceof ProviderError);
    assert.equal(value.status, 500);
    assert.equal(value.requestId, "req-test-1");
  });

  it("a hang past the timeout is retried, then succeeds", async () => {
    const ranker = await make({ timeoutMs: 100, maxRetries: 1 });
    server.faults.push("hang");
    const { n, value } = await attempts(() => ranker.rank(QUERY, DOCS));
    assert.equal(n, 2);
    assert.equal((value as { length: number }).length, DOCS.length);
  });

  it("a hang on every attempt is a timeout ProviderError", async () => {
    const ranker = await make({ timeoutMs: 80, maxRetries: 0 });
    server.faults.push("hang");
    const { n, value } = await attempts(() => ranker.rank(QUERY, DOCS));
    assert.equal(n, 1);
    assert.ok(value instanceof ProviderError);
    assert.match(value.message, /no answer within 80 ms/);
  });

  for (const fault of [
    "malformed",
    "truncated",
    "out-of-range",
    "duplicate",
    "missing-index",
    "string-score",
  ] as const) {
    it(`${fault} response: a ProviderError after one attempt, never a misassignment`, async () => {
      const ranker = await make();
      server.faults.push(fault);
      const { n, value } = await attempts(() => ranker.rank(QUERY, DOCS));
      assert.equal(n, 1);
      assert.ok(value instanceof ProviderError, `${fault}: ${String(value)}`);
      assert.equal(value.exitCode, 4);
      assert.ok(!exposed(value).includes(KEY));
    });
  }

  it("401 is not retried", async () => {
    const ranker = await make();
    server.faults.push("401");
    const { n, value } = await attempts(() => ranker.rank(QUERY, DOCS));
    assert.equal(n, 1);
    assert.ok(value instanceof ProviderError);
    assert.equal(value.status, 401);
    assert.equal(value.retryable, false);
  });

  it("no error, String(err), JSON.stringify(err), cause chain or retry log contains the key", async () => {
    const ranker = await make({ maxRetries: 1 });
    const errors: unknown[] = [];
    for (const f of ["500", "500", "401", "malformed", "duplicate"] as const) server.faults.push(f);
    errors.push(await ranker.rank(QUERY, DOCS).catch((e) => e));
    errors.push(await ranker.rank(QUERY, DOCS).catch((e) => e));
    errors.push(await ranker.rank(QUERY, DOCS).catch((e) => e));
    errors.push(await ranker.rank(QUERY, DOCS).catch((e) => e));
    for (const e of errors) {
      assert.ok(e instanceof ProviderError);
      assert.ok(!exposed(e).includes(KEY), exposed(e));
    }
    assert.ok(logs.length > 0);
    assert.ok(!logs.join("\n").includes(KEY));
  });

  it("validateResults rejects every bad shape", () => {
    const ok = validateResults(
      "p",
      [
        { index: 1, score: 0.5 },
        { index: 0, score: 0.1 },
      ],
      2,
      2,
    );
    assert.deepEqual(ok, [0.1, 0.5]);
    assert.deepEqual(validateResults("p", [{ index: 1, score: 0.5 }], 3, 1), [undefined, 0.5, undefined]);
    const bad: Array<[unknown[], number, number]> = [
      [[{ index: 0, score: 1 }], 2, 2],
      [
        [
          { index: 2, score: 1 },
          { index: 0, score: 1 },
        ],
        2,
        2,
      ],
      [
        [
          { index: 0, score: 1 },
          { index: 0, score: 1 },
        ],
        2,
        2,
      ],
      [
        [
          { index: 0, score: Number.NaN },
          { index: 1, score: 1 },
        ],
        2,
        2,
      ],
      [
        [
          { index: "0", score: 1 },
          { index: 1, score: 1 },
        ],
        2,
        2,
      ],
      [
        [
          { index: 1.5, score: 1 },
          { index: 1, score: 1 },
        ],
        2,
        2,
      ],
      [[{ score: 1 }, { index: 1, score: 1 }], 2, 2],
    ];
    for (const [raw, count, topN] of bad) {
      assert.throws(() => validateResults("p", raw as never, count, topN), ProviderError);
    }
  });
});

describe("batching, concurrency and cancellation", () => {
  const texts = Array.from({ length: 250 }, (_, i) => `document number ${i} about topic ${i % 17}`);
  const table = relevanceTable(texts);
  let server: ProviderServer;
  before(async () => {
    server = await startProviderServer({ wire: "cohere", apiKey: KEY, relevance: table, delayMs: 20 });
  });
  after(() => server.close());

  it("250 documents with maxDocumentsPerCall 100: 3 calls, merged ranking equals the single-call ranking", async () => {
    const batched = await Reranker("cohere:rerank-v3.5", {
      baseUrl: server.url,
      apiKey: KEY,
      maxDocumentsPerCall: 100,
    });
    const single = await Reranker("cohere:rerank-v3.5", { baseUrl: server.url, apiKey: KEY });
    const b0 = server.requests.length;
    const merged = await batched.rank(QUERY, texts);
    const calls = server.requests.slice(b0);
    assert.equal(calls.length, 3);
    assert.deepEqual(
      calls.map((c) => (c.body.documents as string[]).length).sort((a, b) => b - a),
      [100, 100, 50],
    );
    const s0 = server.requests.length;
    const one = await single.rank(QUERY, texts);
    assert.equal(server.requests.length - s0, 1);
    assert.deepEqual(
      merged.results.map((r) => [r.docId, r.score]),
      one.results.map((r) => [r.docId, r.score]),
    );
    assert.deepEqual(
      merged.results.map((r) => r.docId),
      expectedOrder(texts, table),
    );
  });

  it("rank({ batchSize }) makes calls smaller, never larger than the provider allows", async () => {
    const pc = await startProviderServer({ wire: "pinecone", apiKey: KEY, relevance: table });
    try {
      const ranker = await Reranker("pinecone:bge-reranker-v2-m3", { baseUrl: pc.url, apiKey: KEY });
      await ranker.rank(QUERY, texts, { batchSize: 125 });
      assert.equal(pc.requests.length, 3, "capped at Pinecone's 100");
      await ranker.rank(QUERY, texts, { batchSize: 50 });
      assert.equal(pc.requests.length, 3 + 5);
    } finally {
      await pc.close();
    }
  });

  it("topK with batching asks each batch for min(topK, batch) and merges the true top k", async () => {
    const batched = await Reranker("cohere:rerank-v3.5", {
      baseUrl: server.url,
      apiKey: KEY,
      maxDocumentsPerCall: 100,
    });
    const b0 = server.requests.length;
    const top = await batched.rank(QUERY, texts, { topK: 10 });
    const calls = server.requests.slice(b0);
    assert.deepEqual(
      calls.map((c) => c.body.top_n),
      [10, 10, 10],
    );
    assert.deepEqual(
      top.results.map((r) => r.docId),
      expectedOrder(texts, table).slice(0, 10),
    );
    assert.deepEqual(
      top.results.map((r) => r.rank),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
  });

  it("bounded concurrency", async () => {
    const local = await startProviderServer({ wire: "cohere", apiKey: KEY, relevance: table, delayMs: 40 });
    try {
      const r = await Reranker("cohere:rerank-v3.5", {
        baseUrl: local.url,
        apiKey: KEY,
        maxDocumentsPerCall: 50,
        maxConcurrency: 2,
      });
      const res = await r.rank(QUERY, texts);
      assert.equal(local.requests.length, 5);
      assert.equal(local.peakInFlight, 2);
      assert.equal(res.length, texts.length);
    } finally {
      await local.close();
    }
  });

  it("provider defaults split big lists (Pinecone 100, TEI 32)", async () => {
    for (const [wire, model, calls] of [
      ["pinecone", "pinecone:bge-reranker-v2-m3", 3],
      ["text-embeddings-inference", "tei:BAAI/bge-reranker-base", 8],
    ] as const) {
      const s = await startProviderServer({ wire, apiKey: KEY, relevance: table });
      try {
        const r = await Reranker(model, { baseUrl: s.url, apiKey: KEY });
        const res = await r.rank(QUERY, texts);
        assert.equal(s.requests.length, calls, wire);
        assert.deepEqual(
          res.results.map((x) => x.docId),
          expectedOrder(texts, table),
        );
      } finally {
        await s.close();
      }
    }
  });

  it("a rough token budget also splits calls", () => {
    const docs = ["a".repeat(400), "b".repeat(400), "c".repeat(400)];
    assert.deepEqual(planBatches("q", docs, 100), [[0, 3]]);
    assert.deepEqual(planBatches("q", docs, 100, 250), [
      [0, 2],
      [2, 3],
    ]);
    assert.deepEqual(planBatches("q", docs, 1), [
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    assert.deepEqual(planBatches("q", docs, 100, 1), [
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("a failing batch fails the whole ranking (no partial results)", async () => {
    const r = await Reranker("cohere:rerank-v3.5", {
      baseUrl: server.url,
      apiKey: KEY,
      maxDocumentsPerCall: 100,
      maxRetries: 0,
    });
    server.faults.push("out-of-range");
    const err = await r.rank(QUERY, texts).catch((e) => e);
    assert.ok(err instanceof ProviderError);
  });

  it("the caller's signal cancels in-flight requests", async () => {
    const r = await Reranker("cohere:rerank-v3.5", {
      baseUrl: server.url,
      apiKey: KEY,
      maxDocumentsPerCall: 100,
    });
    server.faults.push("hang", "hang", "hang");
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 60);
    const t0 = Date.now();
    const err = await r.rank(QUERY, texts, { signal: ctrl.signal }).catch((e) => e);
    assert.ok(err instanceof AbortedError, String(err));
    assert.ok(Date.now() - t0 < 2000);
    server.faults.length = 0;
  });

  it("the caller's signal cancels a backoff sleep", async () => {
    const r = await Reranker("cohere:rerank-v3.5", { baseUrl: server.url, apiKey: KEY });
    server.faults.push("429"); // Retry-After: 1 s
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 100);
    const t0 = Date.now();
    const err = await r.rank(QUERY, texts, { signal: ctrl.signal }).catch((e) => e);
    assert.ok(err instanceof AbortedError, String(err));
    assert.ok(Date.now() - t0 < 900);
  });
});
