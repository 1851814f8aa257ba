import { timingSafeEqual } from "node:crypto";
import { zValidator } from "@hono/zod-validator";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { InvalidInputError, RerankersError } from "../core/errors.js";
import type { Ranker } from "../core/ranker.js";
import { redactUrls } from "../core/redact.js";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits.js";
import { ServerMetrics } from "./metrics.js";
import { BoundedQueue } from "./queue.js";
import { RerankRequest, type RerankResponse } from "./schema.js";

export interface ServedModel {
  /** The name clients use (the `--model` value the server was started with). */
  name: string;
  ranker: Ranker;
}

export interface AppOptions {
  /** The first model is the default for requests that name none. */
  models: readonly ServedModel[];
  /** Require `Authorization: Bearer <apiKey>` on rerank and metrics routes. */
  apiKey?: string;
  limits?: Partial<ServerLimits>;
}

const jsonError = (
  c: Context,
  status: 400 | 401 | 404 | 408 | 413 | 422 | 500 | 503,
  message: string,
  extra = {},
) => c.json({ message: redactUrls(message), ...extra }, status);

/** Client-supplied text quoted in a message, cut so a huge value is not echoed back (or logged). */
export function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110), else `x-api-key`. */
function presentedKey(c: Context): string {
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header("authorization") ?? "");
  return m ? m[1] : (c.req.header("x-api-key") ?? "");
}

const ROUTES = new Set(["GET /health", "GET /metrics", "POST /v1/rerank", "POST /v2/rerank"]);

type Env = { Variables: { model: string } };

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The rerankers HTTP API as a Hono app: Cohere/Jina-compatible `POST /v1/rerank` and `/v2/rerank`, `GET /health`,
 * `GET /metrics`. Clients can only name models the server was started with.
 */
export function createApp(options: AppOptions) {
  if (options.models.length === 0) throw new Error("createApp needs at least one model");
  // An empty key would let every request in while looking configured (e.g. an unset secret in a template).
  if (options.apiKey !== undefined && options.apiKey.trim() === "")
    throw new InvalidInputError(
      "the server API key is empty: set a non-empty key, or none to serve without auth",
    );
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = new ServerMetrics();
  const queue = new BoundedQueue(limits.maxConcurrent, limits.maxQueue);
  const byName = new Map<string, ServedModel>();
  for (const m of options.models) {
    byName.set(m.name, m);
    if (!byName.has(m.ranker.model)) byName.set(m.ranker.model, m);
  }
  const names = options.models.map((m) => m.name);
  const app = new Hono<Env>();

  // Every response is counted and timed, whatever answered it (auth, validation, limits, queue, 404, errors).
  app.use("*", async (c, next) => {
    const start = process.hrtime.bigint();
    await next();
    const key = `${c.req.method} ${c.req.path}`;
    const labels = {
      route: ROUTES.has(key) ? c.req.path : "other",
      model: c.get("model") ?? "",
      status: String(c.res.status),
    };
    metrics.requests.inc(labels);
    metrics.latency.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
  });

  const auth = async (c: Context, next: () => Promise<void>) => {
    if (options.apiKey === undefined) return next();
    if (!sameSecret(presentedKey(c), options.apiKey)) return jsonError(c, 401, "missing or invalid API key");
    return next();
  };

  /**
   * Read the body within `bodyTimeoutMs` and `maxBodyBytes` (a slow client would otherwise hold the connection
   * until Node's 300 s request timeout), then hand it to the JSON validator through Hono's body cache.
   */
  const readBody = async (c: Context, next: () => Promise<void>) => {
    const tooLarge = () => {
      c.header("Connection", "close");
      return jsonError(c, 413, `request body is larger than ${limits.maxBodyBytes} bytes`);
    };
    if (Number(c.req.header("content-length") ?? 0) > limits.maxBodyBytes) return tooLarge();
    const stream = c.req.raw.body;
    if (stream === null) return next();
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reader.cancel().catch(() => {});
    }, limits.bodyTimeoutMs);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || timedOut) break;
        size += value.byteLength;
        if (size > limits.maxBodyBytes) {
          await reader.cancel().catch(() => {});
          return tooLarge();
        }
        chunks.push(value);
      }
    } catch {
      if (!timedOut) return jsonError(c, 400, "the request body could not be read");
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) {
      c.header("Connection", "close");
      return jsonError(c, 408, `request body did not arrive within ${limits.bodyTimeoutMs} ms`);
    }
    const body = Buffer.concat(chunks);
    // Hono's cache holds promises at run time; its type says values.
    (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(
      body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    );
    return next();
  };

  app.get("/health", (c) => c.json({ status: "ok", models: names, queueDepth: queue.depth }));

  app.get("/metrics", auth, async (c) => {
    metrics.queueDepth.set(queue.depth);
    return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });

  const rerank = [
    auth,
    readBody,
    zValidator("json", RerankRequest, (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
        return jsonError(c, 400, `invalid request: ${where}${issue?.message ?? "malformed body"}`);
      }
    }),
    async (c: Context<Env>) => {
      const body = (c.req as unknown as { valid(t: "json"): RerankRequest }).valid("json");
      const served = body.model === undefined ? options.models[0] : byName.get(body.model);
      if (!served)
        return jsonError(
          c,
          404,
          `unknown model ${quote(body.model ?? "")}; this server serves: ${names.join(", ")}`,
        );
      c.set("model", served.name);
      if (body.documents.length > limits.maxDocuments) {
        return jsonError(c, 413, `too many documents: ${body.documents.length} > ${limits.maxDocuments}`);
      }
      if (body.query.length > limits.maxQueryChars) {
        return jsonError(c, 422, `query is longer than ${limits.maxQueryChars} characters`);
      }
      const texts = body.documents.map((d) => (typeof d === "string" ? d : d.text));
      const tooLong = texts.findIndex((t) => t.length > limits.maxDocumentChars);
      if (tooLong >= 0)
        return jsonError(
          c,
          422,
          `documents[${tooLong}] is longer than ${limits.maxDocumentChars} characters`,
        );

      const job = queue.tryRun(() =>
        served.ranker.rank(body.query, texts, {
          topK: body.top_n,
          docIds: texts.map((_, i) => i),
          signal: c.req.raw.signal,
        }),
      );
      metrics.queueDepth.set(queue.depth);
      if (!job) {
        c.header("Retry-After", "1");
        return jsonError(c, 503, "server is busy: the request queue is full, retry later");
      }
      try {
        const results = await job;
        metrics.documents.inc({ model: served.name }, texts.length);
        const response: RerankResponse = {
          id: crypto.randomUUID(),
          model: served.name,
          results: results.results.map((r) => ({
            index: r.docId as number,
            relevance_score: r.score ?? 1 / r.rank,
            ...(body.return_documents ? { document: { text: r.text } } : {}),
          })),
          meta: { billed_units: { search_units: 1 } },
        };
        return c.json(response);
      } catch (err) {
        const status = err instanceof RerankersError && err.exitCode === 2 ? 422 : 500;
        const message = err instanceof RerankersError ? err.message : "internal error while ranking";
        return jsonError(c, status, message);
      } finally {
        metrics.queueDepth.set(queue.depth);
      }
    },
  ] as const;

  app.post("/v1/rerank", ...rerank);
  app.post("/v2/rerank", ...rerank);
  app.notFound((c) => jsonError(c, 404, `no route ${c.req.method} ${quote(c.req.path)}`));
  app.onError((err, c) => {
    // Hono's JSON parser reports malformed bodies as HTTPException(400).
    if (err instanceof HTTPException && err.status < 500)
      return c.json({ message: redactUrls(err.message) }, err.status);
    return jsonError(c, 500, "internal error");
  });
  return { app, metrics, queue };
}
