/**
 * A local stand-in for the hosted reranking APIs, speaking each provider's documented wire format: it checks
 * the method, path, auth headers, required body fields and rejects fields the API does not know, then answers
 * with the provider's recorded response body (test/fixtures/providers/<name>.json) whose results are rebuilt
 * from a hidden relevance table. Fault scripts make the next requests fail in chosen ways.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "providers");

export type Fault =
  | "429"
  | "503"
  | "500"
  | "401"
  | "hang"
  | "malformed"
  | "truncated"
  | "out-of-range"
  | "duplicate"
  | "missing-index"
  | "string-score";

interface Wire {
  path: string;
  /** Body fields the API requires. */
  required: readonly string[];
  /** Every body field the API knows (anything else is rejected). */
  known: readonly string[];
  /** The texts sent. */
  texts: (body: Record<string, unknown>) => unknown;
  /** How many results the request asks for (undefined = all). */
  top: (body: Record<string, unknown>) => unknown;
  /** Documented per-request document limit. */
  maxDocs: number;
  auth: (headers: IncomingHttpHeaders, key: string | undefined) => boolean;
  listKey: string | null;
  scoreKey: string;
}

const bearerAuth = (h: IncomingHttpHeaders, key: string | undefined) =>
  key === undefined || h.authorization === `Bearer ${key}`;

export const WIRES: Record<string, Wire> = {
  cohere: {
    path: "/v2/rerank",
    required: ["model", "query", "documents"],
    known: ["model", "query", "documents", "top_n", "max_tokens_per_doc", "priority"],
    texts: (b) => b.documents,
    top: (b) => b.top_n,
    maxDocs: 10_000,
    auth: bearerAuth,
    listKey: "results",
    scoreKey: "relevance_score",
  },
  "cohere-v1": {
    path: "/v1/rerank",
    required: ["query", "documents"],
    known: ["model", "query", "documents", "top_n", "rank_fields", "return_documents", "max_chunks_per_doc"],
    texts: (b) => b.documents,
    top: (b) => b.top_n,
    maxDocs: 10_000,
    auth: bearerAuth,
    listKey: "results",
    scoreKey: "relevance_score",
  },
  jina: {
    path: "/v1/rerank",
    required: ["model", "query", "documents"],
    known: ["model", "query", "documents", "top_n", "return_documents"],
    texts: (b) => b.documents,
    top: (b) => b.top_n,
    maxDocs: 2048,
    auth: bearerAuth,
    listKey: "results",
    scoreKey: "relevance_score",
  },
  voyage: {
    path: "/v1/rerank",
    required: ["model", "query", "documents"],
    known: ["model", "query", "documents", "top_k", "return_documents", "truncation"],
    texts: (b) => b.documents,
    top: (b) => b.top_k,
    maxDocs: 1000,
    auth: bearerAuth,
    listKey: "data",
    scoreKey: "relevance_score",
  },
  "mixedbread.ai": {
    path: "/v1/reranking",
    required: ["model", "query", "input"],
    known: ["model", "query", "input", "rank_fields", "top_k", "return_input", "rewrite_query"],
    texts: (b) => b.input,
    top: (b) => b.top_k,
    maxDocs: 1000,
    auth: bearerAuth,
    listKey: "data",
    scoreKey: "score",
  },
  pinecone: {
    path: "/rerank",
    required: ["model", "query", "documents"],
    known: ["model", "query", "documents", "rank_fields", "top_n", "return_documents", "parameters"],
    texts: (b) =>
      Array.isArray(b.documents) ? b.documents.map((d) => (d as { text?: unknown })?.text) : undefined,
    top: (b) => b.top_n,
    maxDocs: 100,
    auth: (h, key) => h["api-key"] === key && typeof h["x-pinecone-api-version"] === "string",
    listKey: "data",
    scoreKey: "score",
  },
  isaacus: {
    path: "/v1/rerankings",
    required: ["model", "query", "texts"],
    known: ["model", "query", "texts", "top_n", "min_score", "scoring_method", "chunking_options", "is_iql"],
    texts: (b) => b.texts,
    top: (b) => b.top_n,
    maxDocs: 1000,
    auth: bearerAuth,
    listKey: "results",
    scoreKey: "score",
  },
  "text-embeddings-inference": {
    path: "/rerank",
    required: ["query", "texts"],
    known: ["query", "texts", "raw_scores", "return_text", "truncate", "truncation_direction"],
    texts: (b) => b.texts,
    top: () => undefined,
    maxDocs: 32,
    auth: bearerAuth,
    listKey: null,
    scoreKey: "score",
  },
  compatible: {
    path: "/v1/rerank",
    required: ["query", "documents"],
    known: ["model", "query", "documents", "top_n", "return_documents"],
    texts: (b) => b.documents,
    top: (b) => b.top_n,
    maxDocs: 10_000,
    auth: bearerAuth,
    listKey: "results",
    scoreKey: "relevance_score",
  },
};

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface ProviderServer {
  url: string;
  /** Every request that reached the server (faulty ones included). */
  requests: RecordedRequest[];
  /** Make the next requests fail, one fault per request, in order. */
  faults: Fault[];
  /** Peak number of requests in flight. */
  peakInFlight: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Which wire format to speak (a key of WIRES). */
  wire: string;
  /** The expected key; undefined = no auth check. */
  apiKey?: string;
  /** Hidden relevance of each document text (unknown texts score 0.001). */
  relevance: ReadonlyMap<string, number>;
  /** Milliseconds to wait before answering (to observe concurrency). */
  delayMs?: number;
}

function fixture(wire: string): unknown {
  const name = { "cohere-v1": "cohere", "mixedbread.ai": "mixedbread" }[wire] ?? wire;
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")).response;
}

/** The recorded body with its result list replaced by `entries` built from the recorded entry's shape. */
function recordedBody(wire: string, entries: Array<{ index: unknown; score: unknown }>): unknown {
  const w = WIRES[wire];
  const recorded = structuredClone(fixture(wire)) as Record<string, unknown> | unknown[];
  const list = (w.listKey === null ? recorded : (recorded as Record<string, unknown>)[w.listKey]) as Record<
    string,
    unknown
  >[];
  const template = list[0];
  const rebuilt = entries.map((e) => {
    const out: Record<string, unknown> = { ...template, index: e.index, [w.scoreKey]: e.score };
    if (e.index === undefined) delete out.index;
    return out;
  });
  if (w.listKey === null) return rebuilt;
  (recorded as Record<string, unknown>)[w.listKey] = rebuilt;
  return recorded;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", "x-request-id": "req-test-1", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

export async function startProviderServer(options: ServerOptions): Promise<ProviderServer> {
  const w = WIRES[options.wire];
  if (!w) throw new Error(`unknown wire ${options.wire}`);
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const state: ProviderServer = {
    url: "",
    requests: [],
    faults: [],
    peakInFlight: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", async () => {
      let body: Record<string, unknown> = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        return send(res, 400, { message: "invalid JSON body" });
      }
      state.requests.push({ path: req.url ?? "", headers: req.headers, body });
      inFlight++;
      state.peakInFlight = Math.max(state.peakInFlight, inFlight);
      try {
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        answer(req.method ?? "", req.url ?? "", req.headers, body, res);
      } catch (err) {
        // a bug in the stand-in must fail the test loudly (400 is never retried), not hang it
        send(res, 400, { message: `test server error: ${(err as Error).message}` });
      } finally {
        inFlight--;
      }
    });
  });

  function answer(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Record<string, unknown>,
    res: ServerResponse,
  ) {
    if (method !== "POST") return send(res, 405, { message: "method not allowed" });
    if (path !== w.path) return send(res, 404, { message: `no route ${path}` });
    if (!String(headers["content-type"]).startsWith("application/json"))
      return send(res, 415, { message: "expected JSON" });
    if (!w.auth(headers, options.apiKey)) return send(res, 401, { message: "invalid api token" });
    for (const f of w.required)
      if (body[f] === undefined) return send(res, 422, { message: `missing field ${f}` });
    for (const f of Object.keys(body))
      if (!w.known.includes(f)) return send(res, 422, { message: `unknown field ${f}` });
    const texts = w.texts(body);
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) {
      return send(res, 422, { message: "documents must be a list of strings" });
    }
    if (typeof body.query !== "string") return send(res, 422, { message: "query must be a string" });
    if (texts.length > w.maxDocs) return send(res, 400, { message: `too many documents (max ${w.maxDocs})` });
    const top = w.top(body);
    if (top !== undefined && (typeof top !== "number" || !Number.isInteger(top) || top < 1)) {
      return send(res, 422, { message: "top must be a positive integer" });
    }

    const fault = state.faults.shift();
    if (fault === "429") return send(res, 429, { message: "rate limited" }, { "retry-after": "1" });
    if (fault === "503") return send(res, 503, { message: "service unavailable" });
    if (fault === "500") return send(res, 500, { message: "internal error" });
    if (fault === "401") return send(res, 401, { message: "invalid api token" });
    if (fault === "hang") return; // never answers; the client's timeout fires
    if (fault === "malformed") return send(res, 200, '{"results": [ {"index": 0, ');

    const ranked = texts
      .map((t, index) => ({ index: index as unknown, score: (options.relevance.get(t) ?? 0.001) as unknown }))
      .sort((a, b) => (b.score as number) - (a.score as number));
    let entries = ranked.slice(0, typeof top === "number" ? top : ranked.length);
    if (fault === "truncated") entries = entries.slice(0, -1);
    if (fault === "out-of-range") entries = [{ ...entries[0], index: texts.length + 5 }, ...entries.slice(1)];
    if (fault === "duplicate" && entries.length > 1)
      entries = [entries[0], { ...entries[1], index: entries[0].index }, ...entries.slice(2)];
    if (fault === "missing-index")
      entries = [{ index: undefined, score: entries[0].score }, ...entries.slice(1)];
    if (fault === "string-score") entries = [{ ...entries[0], score: "high" }, ...entries.slice(1)];
    return send(res, 200, recordedBody(options.wire, entries));
  }

  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A hidden relevance table: document i gets a distinct score in (0, 1), shuffled by a fixed permutation. */
export function relevanceTable(texts: readonly string[]): Map<string, number> {
  const n = texts.length;
  const m = new Map<string, number>();
  texts.forEach((t, i) => {
    const rank = (i * 7919 + 13) % n; // a fixed permutation when gcd(7919, n) = 1
    m.set(t, Math.round(((n - rank) / (n + 1)) * 1e6) / 1e6);
  });
  return m;
}
