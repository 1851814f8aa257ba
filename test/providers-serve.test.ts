import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ProviderError, Reranker } from "../src/index.js";
import { type RunningServer, startServer } from "../src/server/index.js";
import { type ProviderServer, relevanceTable, startProviderServer } from "./helpers/provider-server.js";

const UPSTREAM_KEY = "upstream-key-DO-NOT-LEAK-42";
const SERVE_KEY = "serve-key-DO-NOT-LEAK-43";
const DOCS = Array.from({ length: 12 }, (_, i) => `passage ${i} on subject ${i % 5}`);
const table = relevanceTable(DOCS);
const expected = DOCS.map((_, i) => i).sort((a, b) => (table.get(DOCS[b]) ?? 0) - (table.get(DOCS[a]) ?? 0));

// `compatible:` against our own `rerankers serve`, which itself proxies a Cohere stand-in: both ends of the
// Cohere-shaped wire format are ours, and the ranking must survive the round trip unchanged.
describe("compatible client against rerankers serve", () => {
  let upstream: ProviderServer;
  let serve: RunningServer;
  before(async () => {
    upstream = await startProviderServer({ wire: "cohere", apiKey: UPSTREAM_KEY, relevance: table });
    serve = await startServer({
      models: [
        {
          name: "cohere:rerank-v3.5",
          options: { baseUrl: upstream.url, apiKey: UPSTREAM_KEY, maxRetries: 0 },
        },
      ],
      port: 0,
      apiKey: SERVE_KEY,
    });
  });
  after(async () => {
    await serve.close();
    await upstream.close();
  });

  it("ranks through the server, by name and by default model", async () => {
    for (const name of ["compatible:cohere:rerank-v3.5", "compatible"]) {
      const r = await Reranker(name, { baseUrl: serve.url, apiKey: SERVE_KEY });
      const res = await r.rank("subject", DOCS, { topK: 4 });
      assert.deepEqual(
        res.results.map((x) => x.docId),
        expected.slice(0, 4),
      );
      assert.equal(res[0].score, table.get(DOCS[expected[0]]));
    }
  });

  it("a wrong key is a 401 ProviderError; an upstream failure is a 500 ProviderError; no key leaks", async () => {
    const wrong = await Reranker("compatible", { baseUrl: serve.url, apiKey: "nope-nope-nope" });
    const e401 = await wrong.rank("subject", DOCS).catch((e) => e);
    assert.ok(e401 instanceof ProviderError);
    assert.equal(e401.status, 401);

    upstream.faults.push("500");
    const r = await Reranker("compatible", { baseUrl: serve.url, apiKey: SERVE_KEY, maxRetries: 0 });
    const e500 = await r.rank("subject", DOCS).catch((e) => e);
    assert.ok(e500 instanceof ProviderError);
    assert.equal(e500.status, 500);
    const text = `${String(e500)} ${JSON.stringify(e500)} ${e500.stack}`;
    assert.ok(!text.includes(UPSTREAM_KEY) && !text.includes(SERVE_KEY));
  });
});
