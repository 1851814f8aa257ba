import { timingSafeEqual } from "node:crypto";
import { zValidator } from "@hono/zod-validator";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { RerankersError } from "../core/errors.js";
import type { Ranker } from "../core/ranker.js";
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
  status: 400 | 401 | 404 | 413 | 422 | 500 | 503,
  message: string,
  extra = {},
) => c.json({ message, ...extra }, status);

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
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = new ServerMetrics();
  const queue = new BoundedQueue(limits.maxConcurrent, limits.maxQueue);
  const byName = new Map<string, ServedModel>();
  for (const m of options.models) {
    byName.set(m.name, m);
    if (!byName.has(m.ranker.model)) byName.set(m.ranker.model, m);
  }
  const names = options.models.map((m) => m.name);
  const app = new Hono();

  const auth = async (c: Context, next: () => Promise<void>) => {
    if (options.apiKey === undefined) return next();
    const header = c.req.header("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : (c.req.header("x-api-key") ?? "");
    if (!sameSecret(token, options.apiKey)) return jsonError(c, 401, "missing or invalid API key");
    return next();
  };

  app.get("/health", (c) => c.json({ status: "ok", models: names, queueDepth: queue.depth }));

  app.get("/metrics", auth, async (c) => {
    metrics.queueDepth.set(queue.depth);
    return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });

  const rerank = [
    auth,
    bodyLimit({
      maxSize: limits.maxBodyBytes,
      onError: (c) => jsonError(c, 413, `request body is larger than ${limits.maxBodyBytes} bytes`),
    }),
    zValidator("json", RerankRequest, (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
        return jsonError(c, 400, `invalid request: ${where}${issue?.message ?? "malformed body"}`);
      }
    }),
    async (c: Context) => {
      const body = (c.req as unknown as { valid(t: "json"): RerankRequest }).valid("json");
      const served = body.model === undefined ? options.models[0] : byName.get(body.model);
      if (!served)
        return jsonError(c, 404, `unknown model "${body.model}"; this server serves: ${names.join(", ")}`);
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

      const end = metrics.latency.startTimer({ model: served.name });
      const job = queue.tryRun(() =>
        served.ranker.rank(body.query, texts, {
          topK: body.top_n,
          docIds: texts.map((_, i) => i),
          signal: c.req.raw.signal,
        }),
      );
      metrics.queueDepth.set(queue.depth);
      if (!job) {
        metrics.requests.inc({ model: served.name, status: "503" });
        c.header("Retry-After", "1");
        return jsonError(c, 503, "server is busy: the request queue is full, retry later");
      }
      try {
        const results = await job;
        metrics.documents.inc({ model: served.name }, texts.length);
        metrics.requests.inc({ model: served.name, status: "200" });
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
        metrics.requests.inc({ model: served.name, status: String(status) });
        const message = err instanceof RerankersError ? err.message : "internal error while ranking";
        return jsonError(c, status, message);
      } finally {
        end();
        metrics.queueDepth.set(queue.depth);
      }
    },
  ] as const;

  app.post("/v1/rerank", ...rerank);
  app.post("/v2/rerank", ...rerank);
  app.notFound((c) => jsonError(c, 404, `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    // Hono's JSON parser reports malformed bodies as HTTPException(400).
    if (err instanceof HTTPException && err.status < 500) return c.json({ message: err.message }, err.status);
    return jsonError(c, 500, "internal error");
  });
  return { app, metrics, queue };
}
