import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { AbortedError, ProviderError } from "../src/core/errors.js";
import {
  backoffDelay,
  parseRetryAfter,
  type RetryEvent,
  redact,
  requestJson,
  serverMessage,
} from "../src/providers/http.js";
import { exposed } from "./helpers/exposed.js";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const KEY = "sk-test-SECRET-0123456789";
const FAST = { baseDelayMs: 1, maxDelayMs: 5 };

let server: Server;
let base = "";
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
const openSockets = new Set<import("node:net").Socket>();

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const path = req.url ?? "/";
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const h = routes.get(path);
      if (!h) {
        res.writeHead(404).end();
        return;
      }
      h(req, res, body);
    });
  });
  server.on("connection", (s) => {
    openSockets.add(s);
    s.on("close", () => openSockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of openSockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

function route(path: string, h: Handler): string {
  routes.set(path, h);
  hits.set(path, 0);
  return `${base}${path}`;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

describe("http helpers", () => {
  it("parses Retry-After seconds and HTTP dates", () => {
    assert.equal(parseRetryAfter("3"), 3000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter("soon"), undefined);
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", now), 5000);
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
  });

  it("full-jitter backoff stays in [0, min(cap, base*2^n)]", () => {
    assert.equal(
      backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 10_000 }, () => 0.999999),
      800,
    );
    assert.equal(
      backoffDelay(10, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(2, { baseDelayMs: 100 }, () => 0),
      0,
    );
  });

  it("extracts short server messages and redacts secrets", () => {
    assert.equal(serverMessage('{"message":"invalid api token"}'), "invalid api token");
    assert.equal(serverMessage('{"error":{"message":"rate limited"}}'), "rate limited");
    assert.equal(serverMessage('{"detail":"Not authenticated"}'), "Not authenticated");
    assert.equal(serverMessage("plain\ntext"), "plain text");
    assert.ok(serverMessage("x".repeat(1000)).length <= 201);
    assert.equal(redact(`bad key ${KEY}!`, [KEY]), "bad key [redacted]!");
  });
});

describe("requestJson", () => {
  it("returns the parsed body, request id and attempt count", async () => {
    const url = route("/ok", (req, res, body) => {
      assert.equal(req.method, "POST");
      assert.equal(req.headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(body), { a: 1 });
      json(res, 200, { hello: "world" }, { "x-request-id": "req-42" });
    });
    const r = await requestJson<{ hello: string }>({ provider: "t", url, body: { a: 1 } });
    assert.equal(r.body.hello, "world");
    assert.equal(r.requestId, "req-42");
    assert.equal(r.attempts, 1);
    assert.equal(hits.get("/ok"), 1);
  });

  it("retries 429 honouring Retry-After (capped), then succeeds", async () => {
    let n = 0;
    const url = route("/429", (_req, res) => {
      if (n++ === 0) json(res, 429, { message: "slow down" }, { "retry-after": "30" });
      else json(res, 200, { ok: true });
    });
    const events: RetryEvent[] = [];
    const t0 = Date.now();
    const r = await requestJson({
      provider: "t",
      url,
      body: {},
      retry: { ...FAST, maxRetryAfterMs: 150 },
      onRetry: (e) => events.push(e),
    });
    const elapsed = Date.now() - t0;
    assert.equal(r.attempts, 2);
    assert.equal(hits.get("/429"), 2);
    assert.equal(events.length, 1);
    assert.equal(events[0].status, 429);
    assert.equal(events[0].delayMs, 150, "Retry-After 30 s capped at 150 ms");
    assert.ok(elapsed >= 140, `waited ${elapsed} ms`);
  });

  it("retries 503 twice then succeeds (3 attempts)", async () => {
    let n = 0;
    const url = route("/503", (_req, res) => {
      if (n++ < 2) json(res, 503, { message: "overloaded" });
      else json(res, 200, { ok: true });
    });
    const r = await requestJson({ provider: "t", url, body: {}, retry: FAST });
    assert.equal(r.attempts, 3);
    assert.equal(hits.get("/503"), 3);
  });

  it("gives up after maxRetries with a retryable ProviderError", async () => {
    const url = route("/500", (_req, res) => json(res, 500, { message: "boom" }, { "cf-ray": "ray-1" }));
    const err = await requestJson({ provider: "acme", url, body: {}, retry: FAST, maxRetries: 2 }).catch(
      (e) => e,
    );
    assert.ok(err instanceof ProviderError);
    assert.equal(err.status, 500);
    assert.equal(err.provider, "acme");
    assert.equal(err.requestId, "ray-1");
    assert.equal(err.retryable, true);
    assert.equal(err.exitCode, 4);
    assert.match(err.message, /^acme: HTTP 500: boom after 3 attempts/);
    assert.equal(hits.get("/500"), 3);
  });

  it("does not retry other 4xx", async () => {
    const url = route("/400", (_req, res) => json(res, 400, { message: "bad field" }));
    const err = await requestJson({ provider: "t", url, body: {}, retry: FAST }).catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.status, 400);
    assert.equal(err.retryable, false);
    assert.equal(hits.get("/400"), 1);
  });

  it("times out a hanging server on every attempt", async () => {
    const url = route("/hang", () => {
      /* never answers */
    });
    const t0 = Date.now();
    const err = await requestJson({
      provider: "t",
      url,
      body: {},
      timeoutMs: 80,
      maxRetries: 1,
      retry: FAST,
    }).catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /no answer within 80 ms after 2 attempts/);
    assert.equal(hits.get("/hang"), 2);
    assert.ok(Date.now() - t0 < 2000);
  });

  it("turns malformed JSON into a ProviderError without retrying", async () => {
    const url = route("/badjson", (_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end("{oops"),
    );
    const err = await requestJson({ provider: "t", url, body: {} }).catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /malformed JSON/);
    assert.equal(hits.get("/badjson"), 1);
  });

  it("reports network errors after retrying", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const err = await requestJson({
      provider: "t",
      url: `http://127.0.0.1:${port}/x`,
      body: {},
      maxRetries: 1,
      retry: FAST,
    }).catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /network error .* after 2 attempts/);
  });

  it("cancels an in-flight request and a backoff sleep with the caller's signal", async () => {
    const url = route("/slow", () => {
      /* hang */
    });
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 50);
    const t0 = Date.now();
    const err = await requestJson({ provider: "t", url, body: {}, signal: ctrl.signal }).catch((e) => e);
    assert.ok(err instanceof AbortedError);
    assert.ok(Date.now() - t0 < 1000);

    const url2 = route("/retry-later", (_req, res) => json(res, 503, {}, { "retry-after": "10" }));
    const ctrl2 = new AbortController();
    setTimeout(() => ctrl2.abort(), 50);
    const t1 = Date.now();
    const err2 = await requestJson({ provider: "t", url: url2, body: {}, signal: ctrl2.signal }).catch(
      (e) => e,
    );
    assert.ok(err2 instanceof AbortedError);
    assert.equal(hits.get("/retry-later"), 1);
    assert.ok(Date.now() - t1 < 1000, "backoff sleep was interrupted");
  });

  it("never exposes the API key, even when the server echoes it", async () => {
    const url = route("/echo", (req, res) =>
      json(res, 401, { message: `invalid api key: ${req.headers.authorization}` }, { "x-request-id": "r-9" }),
    );
    const logs: string[] = [];
    const err = await requestJson({
      provider: "t",
      url,
      body: { secret: "body-content" },
      headers: { authorization: `Bearer ${KEY}` },
      secrets: [KEY],
      onRetry: (e) => logs.push(JSON.stringify(e)),
    }).catch((e) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.status, 401);
    assert.match(err.message, /invalid api key: Bearer \[redacted\]/);
    const text = exposed(err);
    assert.ok(!text.includes(KEY));
    assert.ok(!text.includes("body-content"));
    assert.ok(!logs.join("").includes(KEY));

    const url2 = route("/echo500", (req, res) => json(res, 500, { message: `${req.headers.authorization}` }));
    const err2 = await requestJson({
      provider: "t",
      url: url2,
      body: {},
      headers: { authorization: `Bearer ${KEY}` },
      secrets: [KEY],
      retry: FAST,
      maxRetries: 1,
      onRetry: (e) => logs.push(JSON.stringify(e)),
    }).catch((e) => e);
    assert.ok(!exposed(err2).includes(KEY));
    assert.ok(logs.length > 0 && !logs.join("").includes(KEY));
  });
});
