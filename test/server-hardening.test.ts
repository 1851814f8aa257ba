import assert from "node:assert/strict";
import type { Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { serve } from "@hono/node-server";
import { InvalidInputError } from "../src/core/errors.js";
import { createRanker, type Ranker } from "../src/core/ranker.js";
import { createApp } from "../src/server/app.js";
import { applyServerLimits, nodeServerOptions, type ServerLimits } from "../src/server/limits.js";
import { lexicalMethod } from "./helpers/lexical-ranker.js";

const KEY = "hardening-key-1";

/** A lexical ranker whose scoring waits for `release()` (to fill the queue deterministically). */
function gatedRanker() {
  let open!: () => void;
  let gate = new Promise<void>((r) => {
    open = r;
  });
  let markEntered!: () => void;
  const entered = new Promise<void>((r) => {
    markEntered = r;
  });
  const inner = lexicalMethod();
  const ranker: Ranker = createRanker(
    { modelType: "lexical", model: "lexical-overlap", provider: null },
    {
      kind: "pointwise",
      async scoreDocuments(query, docs, ctx) {
        markEntered();
        await gate;
        return inner.kind === "pointwise" ? inner.scoreDocuments(query, docs, ctx) : { scores: [] };
      },
    },
  );
  return {
    ranker,
    /** Resolves once a request is inside the ranker (holding its slot). */
    entered,
    release: () => open(),
    close: () => {
      open();
      gate = Promise.resolve();
    },
  };
}

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function start(limits: Partial<ServerLimits>, ranker: Ranker, apiKey: string | undefined = KEY) {
  const { app } = createApp({ models: [{ name: "lex", ranker }], apiKey, limits });
  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      { fetch: app.fetch, hostname: "127.0.0.1", port: 0, serverOptions: nodeServerOptions(limits) },
      () => resolve(s as Server),
    );
  });
  applyServerLimits(server, limits);
  servers.push(server);
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, server };
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${KEY}` },
) {
  const res = await fetch(`${url}/v1/rerank`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Open a raw TCP connection; resolves once connected. */
function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Everything the server sends until it closes the socket, and how long that took; rejects after `capMs`. */
function untilClosed(s: Socket, capMs: number): Promise<{ data: string; ms: number }> {
  const t0 = Date.now();
  let data = "";
  s.on("data", (c) => {
    data += c;
  });
  s.on("error", () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`server kept the connection open for ${capMs} ms; got ${JSON.stringify(data)}`));
    }, capMs);
    s.once("close", () => {
      clearTimeout(timer);
      resolve({ data, ms: Date.now() - t0 });
    });
  });
}

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}

describe("server hardening (issue 15, item 10)", () => {
  it("/metrics counts every answer by status, with latency: 200, 400, 401, 404, 413, 422 and 503", async () => {
    const g = gatedRanker();
    const { url } = await start(
      { maxConcurrent: 1, maxQueue: 0, maxDocuments: 3, maxQueryChars: 20, maxBodyBytes: 2000 },
      g.ranker,
    );
    const ok = { query: "apple", documents: ["apple pie", "pear"] };
    const running = post(url, ok); // holds the only slot until released
    await g.entered;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await post(url, ok)).status, 503);
    g.release();
    assert.equal((await running).status, 200);
    assert.equal((await post(url, ok, {})).status, 401);
    assert.equal((await post(url, "{not json")).status, 400);
    assert.equal((await post(url, { ...ok, model: "nope" })).status, 404);
    assert.equal((await post(url, { ...ok, documents: ["a", "b", "c", "d"] })).status, 413);
    assert.equal((await post(url, { ...ok, documents: ["x".repeat(3000)] })).status, 413);
    assert.equal((await post(url, { ...ok, query: "q".repeat(21) })).status, 422);
    assert.equal((await fetch(`${url}/nowhere`)).status, 404);
    g.close();

    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })
    ).text();
    const rr = (model: string, status: number) => `route="/v1/rerank",model="${model}",status="${status}"`;
    const expected: [string, number][] = [
      [rr("lex", 200), 1],
      [rr("lex", 503), 1],
      [rr("", 401), 1],
      [rr("", 400), 1],
      [rr("", 404), 1],
      [rr("", 413), 1],
      [rr("lex", 413), 1],
      [rr("lex", 422), 1],
      ['route="other",model="",status="404"', 1],
    ];
    for (const [labels, n] of expected) {
      assert.equal(sample(text, "rerankers_requests_total", labels), n, labels);
      assert.equal(sample(text, "rerankers_request_duration_seconds_count", labels), n, `latency ${labels}`);
    }
    // The 503 waited for nothing; the 200 waited ~100 ms for the gate: latencies are real, not zero.
    const sum200 = sample(text, "rerankers_request_duration_seconds_sum", rr("lex", 200)) ?? 0;
    assert.ok(sum200 >= 0.08, `200 latency ${sum200}`);
  });

  it("a slow body gets 408 and the connection is closed at the body deadline (was held ~327 s)", async () => {
    const { port, url } = await start({ bodyTimeoutMs: 300, headersTimeoutMs: 5000 }, gatedRanker().ranker);
    const s = await rawSocket(port);
    const done = untilClosed(s, 5000);
    s.write(
      `POST /v1/rerank HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`,
    );
    const trickle = setInterval(() => {
      if (!s.destroyed) s.write(" ");
    }, 50);
    const { data, ms } = await done.finally(() => clearInterval(trickle));
    assert.match(data, /^HTTP\/1\.1 408/);
    assert.match(data, /did not arrive within 300 ms/);
    assert.ok(ms < 3000, `closed after ${ms} ms`);
    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })
    ).text();
    assert.equal(
      sample(text, "rerankers_request_duration_seconds_count", 'route="/v1/rerank",model="",status="408"'),
      1,
    );
  });

  it("slow headers are cut off at headersTimeout by the Node server settings", async () => {
    const { port } = await start({ headersTimeoutMs: 400, bodyTimeoutMs: 400 }, gatedRanker().ranker);
    const s = await rawSocket(port);
    const done = untilClosed(s, 5000);
    s.write("GET /health HTTP/1.1\r\nHost: x\r\n");
    const trickle = setInterval(() => {
      if (!s.destroyed) s.write("X-A: b\r\n");
    }, 50);
    const { ms } = await done.finally(() => clearInterval(trickle));
    assert.ok(ms < 2500, `closed after ${ms} ms`);
  });

  it("caps concurrent connections: the one over the cap is dropped, the server recovers", async () => {
    const { port, url } = await start({ maxConnections: 2, headersTimeoutMs: 10_000 }, gatedRanker().ranker);
    const held = [await rawSocket(port), await rawSocket(port)];
    for (const s of held) s.write("GET /health HTTP/1.1\r\nHost: x\r\n"); // incomplete: keeps the slot
    await new Promise((r) => setTimeout(r, 100));
    const extra = await rawSocket(port);
    const dropped = untilClosed(extra, 3000);
    extra.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal((await dropped).data, "", "no answer over the cap");
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await fetch(`${url}/health`)).status, 200);
  });

  it("accepts the bearer scheme in any case, and still refuses a wrong key", async () => {
    const { url } = await start({}, gatedRanker().ranker);
    const g = { query: "q", documents: [] };
    assert.equal((await post(url, g, { authorization: `bearer ${KEY}` })).status, 200);
    assert.equal((await post(url, g, { authorization: `BEARER ${KEY}` })).status, 200);
    assert.equal((await post(url, g, { authorization: `bearer ${KEY}x` })).status, 401);
    assert.equal((await post(url, g, { authorization: `Basic ${KEY}` })).status, 401);
  });

  it("does not echo a 100 KB unknown model name or path", async () => {
    const { url } = await start({ maxBodyBytes: 1_000_000 }, gatedRanker().ranker);
    const name = "m".repeat(100_000);
    const res = await post(url, { model: name, query: "q", documents: ["a"] });
    assert.equal(res.status, 404);
    assert.ok(res.text.length < 400, `answer is ${res.text.length} bytes`);
    assert.match(JSON.parse(res.text).message, /unknown model "m{80}…"; this server serves: lex/);
    const path = await fetch(`${url}/${"p".repeat(8000)}`);
    assert.equal(path.status, 404);
    assert.ok((await path.text()).length < 400);
  });

  it("refuses an empty API key instead of silently serving without auth", () => {
    for (const apiKey of ["", "  "]) {
      assert.throws(
        () => createApp({ models: [{ name: "lex", ranker: gatedRanker().ranker }], apiKey }),
        InvalidInputError,
      );
    }
  });
});
