/**
 * The CLI against independent emulators of each hosted rerank API, written from the providers' public
 * references (not from src/providers, and not reusing test/helpers/provider-server.ts):
 * - Cohere v2 https://docs.cohere.com/v2/reference/rerank, v1 https://docs.cohere.com/v1/reference/rerank
 * - Jina https://jina.ai/reranker (API section)
 * - Voyage https://docs.voyageai.com/reference/reranker-api
 * - Mixedbread https://mixedbread.com/api-reference/endpoints/reranking (SDK: mixedbread-ai/mixedbread-ts)
 * - Pinecone https://docs.pinecone.io/reference/api/2025-10/inference/rerank (+ 2026-07 spec, versioning page)
 * - Isaacus https://docs.isaacus.com/api-reference/rerankings/reranking (SDK: isaacus-dev/isaacus-typescript)
 * - TEI https://huggingface.github.io/text-embeddings-inference/ (POST /rerank, --max-client-batch-size 32)
 * - vLLM https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html (Re-rank API)
 * Each emulator checks the documented path, auth header, field names, types, required fields and limits,
 * refuses any undocumented field, scores documents with its own hidden function and answers with the
 * documented response shape (extra fields included). The CLI must exit 0 and print every document exactly
 * once, in the emulator's order, with the emulator's scores.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliRun, runCli } from "./helpers/cli.js";

type Json = Record<string, unknown>;

const QUERY = "Which city is the capital of France?";
const DOCS = Array.from({ length: 40 }, (_, i) =>
  i === 7
    ? 'Zürich – naïve café ☕ «quoted» "double" \\ backslash'
    : i === 3
      ? "Paris is the capital and largest city of France."
      : `Document ${i}: a short passage about city number ${i} and its ${i % 3 === 0 ? "river" : "museums"}.`,
);
const ENV_KEYS = [
  "COHERE_API_KEY",
  "JINA_API_KEY",
  "VOYAGE_API_KEY",
  "MXBAI_API_KEY",
  "PINECONE_API_KEY",
  "ISAACUS_API_KEY",
  "TEI_API_KEY",
  "RERANKERS_API_KEY",
];

/** The emulators' hidden relevance model: FNV-1a of query and text, mapped into (0, 1). */
function hiddenScore(query: string, text: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${query}\u0000${text}`) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h + 1) / 2 ** 32;
}

// ---------- request checks shared by the emulators ----------

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
const bad = (msg: string) => new Refusal(400, msg);

function fields(body: unknown, allowed: readonly string[], required: readonly string[]): Json {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw bad("body must be a JSON object");
  const o = body as Json;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw bad(`unknown field ${k}`);
  for (const k of required) if (o[k] === undefined || o[k] === null) throw bad(`missing required field ${k}`);
  return o;
}
function str(o: Json, k: string, nonBlank = false): void {
  if (o[k] === undefined) return;
  if (typeof o[k] !== "string" || (nonBlank && !(o[k] as string).trim())) throw bad(`${k} must be a string`);
}
function int(o: Json, k: string, min: number, nullable = false): void {
  if (o[k] === undefined || (nullable && o[k] === null)) return;
  if (!Number.isInteger(o[k]) || (o[k] as number) < min) throw bad(`${k} must be an integer >= ${min}`);
}
function bool(o: Json, k: string): void {
  if (o[k] !== undefined && typeof o[k] !== "boolean") throw bad(`${k} must be a boolean`);
}
function strings(o: Json, k: string, max: number, nonBlank = false): string[] {
  const v = o[k];
  if (!Array.isArray(v) || v.length === 0) throw bad(`${k} must be a non-empty array`);
  if (v.length > max) throw bad(`${k} has ${v.length} items, more than ${max}`);
  for (const s of v)
    if (typeof s !== "string" || (nonBlank && !s.trim())) throw bad(`${k} must hold strings`);
  return v as string[];
}
function bearer(h: IncomingHttpHeaders, key: string): void {
  if (h.authorization !== `Bearer ${key}`) throw new Refusal(401, "invalid api token");
}
function sortedTop(
  texts: readonly string[],
  query: string,
  top: unknown,
): { index: number; score: number }[] {
  const all = texts.map((t, index) => ({ index, score: hiddenScore(query, t) }));
  all.sort((a, b) => b.score - a.score);
  return typeof top === "number" ? all.slice(0, top) : all;
}

// ---------- the emulators ----------

interface Emulator {
  path: string;
  /** Validate one request (throw Refusal) and return the documented response body plus the texts received. */
  handle: (headers: IncomingHttpHeaders, body: unknown) => { texts: string[]; response: unknown };
}

const MODEL = {
  cohere: "rerank-v3.5",
  jina: "jina-reranker-v2-base-multilingual",
  voyage: "rerank-2.5",
  mixedbread: "mixedbread-ai/mxbai-rerank-large-v2",
  pinecone: "bge-reranker-v2-m3",
  isaacus: "kanon-2-reranker",
  vllm: "BAAI/bge-reranker-v2-m3",
};

function modelIs(o: Json, expected: string): void {
  if (o.model !== expected) throw new Refusal(404, `model ${String(o.model)} not found`);
}

const cohereV2 = (key: string): Emulator => ({
  path: "/v2/rerank",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["model", "query", "documents", "top_n", "max_tokens_per_doc", "priority"],
      ["model", "query", "documents"],
    );
    modelIs(o, MODEL.cohere);
    str(o, "query");
    const texts = strings(o, "documents", 10_000);
    int(o, "top_n", 1);
    int(o, "max_tokens_per_doc", 1);
    int(o, "priority", 0);
    const results = sortedTop(texts, o.query as string, o.top_n).map((r) => ({
      index: r.index,
      relevance_score: r.score,
    }));
    return {
      texts,
      response: {
        id: "07734bd2-2473-4f07-94e1-0d9f0e6843cf",
        results,
        meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } },
      },
    };
  },
});

const cohereV1 = (key: string): Emulator => ({
  path: "/v1/rerank",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["model", "query", "documents", "top_n", "rank_fields", "return_documents", "max_chunks_per_doc"],
      ["query", "documents"],
    );
    if (o.model !== undefined) modelIs(o, MODEL.cohere);
    str(o, "query");
    const texts = strings(o, "documents", 10_000);
    int(o, "top_n", 1);
    bool(o, "return_documents");
    int(o, "max_chunks_per_doc", 1);
    const results = sortedTop(texts, o.query as string, o.top_n).map((r) => ({
      ...(o.return_documents ? { document: { text: texts[r.index] } } : {}),
      index: r.index,
      relevance_score: r.score,
    }));
    return {
      texts,
      response: {
        id: "b6bc1ea7-7c36-4b7b-9a1f-5e62b3d0c7a2",
        results,
        meta: { api_version: { version: "1" }, billed_units: { search_units: 1 } },
      },
    };
  },
});

const jina = (key: string): Emulator => ({
  path: "/v1/rerank",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["model", "query", "documents", "top_n", "return_documents"],
      ["model", "query", "documents"],
    );
    modelIs(o, MODEL.jina);
    str(o, "query");
    const texts = strings(o, "documents", 2048);
    int(o, "top_n", 1);
    bool(o, "return_documents");
    // return_documents defaults to true
    const withDocs = o.return_documents !== false;
    const results = sortedTop(texts, o.query as string, o.top_n).map((r) => ({
      index: r.index,
      ...(withDocs ? { document: { text: texts[r.index] } } : {}),
      relevance_score: r.score,
    }));
    return {
      texts,
      response: { model: MODEL.jina, usage: { total_tokens: 815, prompt_tokens: 815 }, results },
    };
  },
});

const voyage = (key: string): Emulator => ({
  path: "/v1/rerank",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["query", "documents", "model", "top_k", "return_documents", "truncation"],
      ["query", "documents", "model"],
    );
    modelIs(o, MODEL.voyage);
    str(o, "query");
    const texts = strings(o, "documents", 1000);
    int(o, "top_k", 1);
    bool(o, "return_documents");
    bool(o, "truncation");
    const data = sortedTop(texts, o.query as string, o.top_k).map((r) => ({
      relevance_score: r.score,
      index: r.index,
      ...(o.return_documents ? { document: texts[r.index] } : {}),
    }));
    return { texts, response: { object: "list", data, model: MODEL.voyage, usage: { total_tokens: 26 } } };
  },
});

const mixedbread = (key: string): Emulator => ({
  path: "/v1/reranking",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["model", "query", "input", "rank_fields", "top_k", "return_input"],
      ["model", "query", "input"],
    );
    modelIs(o, MODEL.mixedbread);
    str(o, "query");
    const texts = strings(o, "input", 1000);
    int(o, "top_k", 1);
    bool(o, "return_input");
    if (o.rank_fields !== undefined && o.rank_fields !== null) throw bad("rank_fields needs object input");
    const ranked = sortedTop(texts, o.query as string, o.top_k);
    const data = ranked.map((r) => ({
      index: r.index,
      score: r.score,
      input: o.return_input ? texts[r.index] : null,
      object: "rank_result",
    }));
    return {
      texts,
      response: {
        usage: { prompt_tokens: 162, total_tokens: 162, completion_tokens: 0 },
        model: MODEL.mixedbread,
        data,
        object: "list",
        top_k: ranked.length,
        return_input: o.return_input === true,
      },
    };
  },
});

/** Versions whose published spec has POST /rerank with this schema. */
const PINECONE_VERSIONS = ["2025-04", "2025-10", "2026-04", "2026-07"];

const pinecone = (key: string): Emulator => ({
  path: "/rerank",
  handle: (h, body) => {
    if (h["api-key"] !== key) throw new Refusal(401, "Invalid API key.");
    const version = h["x-pinecone-api-version"];
    if (typeof version !== "string" || !PINECONE_VERSIONS.includes(version))
      throw bad(`unsupported X-Pinecone-Api-Version ${String(version)}`);
    const o = fields(
      body,
      ["model", "query", "top_n", "return_documents", "rank_fields", "documents", "parameters"],
      ["model", "documents", "query"],
    );
    modelIs(o, MODEL.pinecone);
    str(o, "query");
    int(o, "top_n", 1);
    bool(o, "return_documents");
    let rankFields = ["text"];
    if (o.rank_fields !== undefined) {
      if (!Array.isArray(o.rank_fields) || o.rank_fields.some((f) => typeof f !== "string"))
        throw bad("rank_fields must be an array of strings");
      // bge-reranker-v2-m3 ranks on one field
      if (o.rank_fields.length !== 1) throw bad("bge-reranker-v2-m3 supports exactly one rank field");
      rankFields = o.rank_fields as string[];
    }
    if (o.parameters !== undefined) {
      const p = o.parameters as Json;
      if (!p || typeof p !== "object" || Array.isArray(p)) throw bad("parameters must be an object");
      if (p.truncate !== undefined && p.truncate !== "END" && p.truncate !== "NONE")
        throw bad("truncate must be END or NONE");
    }
    const docs = o.documents;
    if (!Array.isArray(docs) || docs.length === 0) throw bad("documents must be a non-empty array");
    if (docs.length > 100) throw bad(`${docs.length} documents, more than 100 for ${MODEL.pinecone}`);
    const texts = docs.map((d) => {
      if (!d || typeof d !== "object" || Array.isArray(d)) throw bad("each document must be an object");
      const v = (d as Json)[rankFields[0]];
      if (typeof v !== "string") throw bad(`document is missing rank field ${rankFields[0]}`);
      return v;
    });
    // return_documents defaults to true
    const withDocs = o.return_documents !== false;
    const data = sortedTop(texts, o.query as string, o.top_n).map((r) => ({
      index: r.index,
      ...(withDocs ? { document: docs[r.index] } : {}),
      score: r.score,
    }));
    return { texts, response: { model: MODEL.pinecone, data, usage: { rerank_units: 1 } } };
  },
});

const isaacus = (key: string): Emulator => ({
  path: "/v1/rerankings",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["model", "query", "texts", "top_n", "is_iql", "scoring_method", "chunking_options"],
      ["model", "query", "texts"],
    );
    modelIs(o, MODEL.isaacus);
    str(o, "query", true);
    const texts = strings(o, "texts", 100_000, true);
    int(o, "top_n", 1, true);
    bool(o, "is_iql");
    if (
      o.scoring_method !== undefined &&
      !["auto", "chunk_max", "chunk_avg", "chunk_min"].includes(o.scoring_method as string)
    )
      throw bad("invalid scoring_method");
    const results = sortedTop(texts, o.query as string, o.top_n ?? undefined);
    return { texts, response: { results, usage: { input_tokens: 1024 } } };
  },
});

const tei = (key: string): Emulator => ({
  path: "/rerank",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["query", "texts", "raw_scores", "return_text", "truncate", "truncation_direction"],
      ["query", "texts"],
    );
    str(o, "query");
    // --max-client-batch-size defaults to 32
    const texts = strings(o, "texts", 32);
    bool(o, "raw_scores");
    bool(o, "return_text");
    bool(o, "truncate");
    if (
      o.truncation_direction !== undefined &&
      !["Left", "Right", "left", "right"].includes(o.truncation_direction as string)
    )
      throw bad("invalid truncation_direction");
    const ranks = sortedTop(texts, o.query as string, undefined).map((r) => ({
      index: r.index,
      ...(o.return_text ? { text: texts[r.index] } : {}),
      score: r.score,
    }));
    return { texts, response: ranks };
  },
});

const vllm = (key: string): Emulator => ({
  path: "/v1/rerank",
  handle: (h, body) => {
    bearer(h, key);
    const o = fields(
      body,
      ["model", "query", "documents", "top_n", "return_documents", "truncate_prompt_tokens"],
      ["query", "documents"],
    );
    if (o.model !== undefined) modelIs(o, MODEL.vllm);
    str(o, "query");
    const texts = strings(o, "documents", 100_000);
    int(o, "top_n", 1);
    bool(o, "return_documents");
    const results = sortedTop(texts, o.query as string, o.top_n).map((r) => ({
      index: r.index,
      document: { text: texts[r.index] },
      relevance_score: r.score,
    }));
    return {
      texts,
      response: {
        id: "rerank-fae51b2b664d4ed38f5969b612edff77",
        model: MODEL.vllm,
        usage: { total_tokens: 56 },
        results,
      },
    };
  },
});

// ---------- plumbing: one node:http server per emulator, the CLI as a child process ----------

interface Running {
  url: string;
  calls: string[][];
  refusals: string[];
  close: () => Promise<void>;
}

async function serve(emulator: Emulator): Promise<Running> {
  const calls: string[][] = [];
  const refusals: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      try {
        if (req.method !== "POST") throw new Refusal(405, `method ${req.method} not allowed`);
        if (req.url !== emulator.path) throw new Refusal(404, `no route ${req.url}`);
        if (!String(req.headers["content-type"]).startsWith("application/json"))
          throw new Refusal(415, "content-type must be application/json");
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          throw bad("malformed JSON");
        }
        const { texts, response } = emulator.handle(req.headers, body);
        calls.push(texts);
        send(200, response);
      } catch (err) {
        const r = err instanceof Refusal ? err : new Refusal(500, String(err));
        refusals.push(`${r.status} ${r.message}`);
        send(r.status, { message: r.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Run the CLI with none of the provider keys set except those in `env`. */
function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const unset = Object.fromEntries(ENV_KEYS.map((k) => [k, undefined]));
  return runCli(args, { env: { ...unset, ...env }, timeoutMs: 30_000 });
}

interface Case {
  name: string;
  model: string;
  env: string;
  emulator: (key: string) => Emulator;
  args?: string[];
  /** Calls the documented per-request limit forces for the 40 documents. */
  calls: number;
  topK?: number;
}

const CASES: Case[] = [
  { name: "cohere v2", model: `cohere:${MODEL.cohere}`, env: "COHERE_API_KEY", emulator: cohereV2, calls: 1 },
  {
    name: "cohere v1",
    model: `cohere:${MODEL.cohere}`,
    env: "COHERE_API_KEY",
    emulator: cohereV1,
    args: ["--option", "apiVersion=v1"],
    calls: 1,
  },
  { name: "jina", model: `jina:${MODEL.jina}`, env: "JINA_API_KEY", emulator: jina, calls: 1 },
  { name: "voyage", model: `voyage:${MODEL.voyage}`, env: "VOYAGE_API_KEY", emulator: voyage, calls: 1 },
  {
    name: "voyage top-k",
    model: `voyage:${MODEL.voyage}`,
    env: "VOYAGE_API_KEY",
    emulator: voyage,
    calls: 1,
    topK: 3,
  },
  {
    name: "mixedbread",
    model: `mixedbread:${MODEL.mixedbread}`,
    env: "MXBAI_API_KEY",
    emulator: mixedbread,
    calls: 1,
  },
  {
    name: "pinecone",
    model: `pinecone:${MODEL.pinecone}`,
    env: "PINECONE_API_KEY",
    emulator: pinecone,
    calls: 1,
  },
  { name: "isaacus", model: `isaacus:${MODEL.isaacus}`, env: "ISAACUS_API_KEY", emulator: isaacus, calls: 1 },
  {
    name: "tei (32 texts per request)",
    model: "tei:BAAI/bge-reranker-base",
    env: "TEI_API_KEY",
    emulator: tei,
    calls: 2,
  },
  {
    name: "compatible (vLLM)",
    model: `compatible:${MODEL.vllm}`,
    env: "RERANKERS_API_KEY",
    emulator: vllm,
    calls: 1,
  },
];

// Each case spawns the CLI (a couple of seconds of start-up), so they run concurrently.
describe("CLI against independent emulators of the documented provider APIs", { concurrency: true }, () => {
  let dir: string;
  let docsFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "rerankers-emulators-"));
    docsFile = join(dir, "docs.jsonl");
    writeFileSync(docsFile, DOCS.map((text, i) => `${JSON.stringify({ text, docId: `d${i}` })}\n`).join(""));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("the hidden scores are distinct (the expected order is unambiguous)", () => {
    assert.equal(new Set(DOCS.map((t) => hiddenScore(QUERY, t))).size, DOCS.length);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const key = `${c.env.toLowerCase()}-secret-0123456789`;
      const emu = await serve(c.emulator(key));
      try {
        const args = [
          "rank",
          "--model",
          c.model,
          "--base-url",
          emu.url,
          "--query",
          QUERY,
          "--docs",
          docsFile,
        ];
        if (c.topK !== undefined) args.push("--top-k", String(c.topK));
        const r = await cli([...args, ...(c.args ?? []), "--json"], { [c.env]: key });
        assert.deepEqual(emu.refusals, [], `the emulator refused a request: ${emu.refusals.join("; ")}`);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key));

        // every document was sent exactly once, within the documented per-request limits
        assert.equal(emu.calls.length, c.calls);
        assert.deepEqual(emu.calls.flat().sort(), [...DOCS].sort());

        const out = JSON.parse(r.stdout) as {
          results: { docId: string; text: string; score: number; rank: number }[];
        };
        const expected = DOCS.map((text, i) => ({ docId: `d${i}`, text, score: hiddenScore(QUERY, text) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, c.topK ?? DOCS.length);
        assert.deepEqual(
          out.results.map(({ docId, text, score }) => ({ docId, text, score })),
          expected,
        );
        assert.deepEqual(
          out.results.map((x) => x.rank),
          expected.map((_, i) => i + 1),
        );
      } finally {
        await emu.close();
      }
    });
  }
});

// The emulators are only worth something if they accept the documented examples and refuse deviations.
describe("the emulators follow the documented examples strictly", () => {
  const KEY = "example-key";
  const bearerAuth = (key: string) => ({ authorization: `Bearer ${key}` });
  const pineconeAuth = (key: string) => ({ "Api-Key": key, "X-Pinecone-Api-Version": "2025-10" });
  const capitals = [
    "Carson City is the capital city of the American state of Nevada.",
    "Washington, D.C. is the capital of the United States.",
    "Capital punishment has existed in the United States since before it was a country.",
  ];
  const examples: Array<{
    name: string;
    emulator: Emulator;
    auth: (k: string) => Record<string, string>;
    body: Json;
  }> = [
    {
      name: "cohere v2",
      emulator: cohereV2(KEY),
      auth: bearerAuth,
      body: {
        model: MODEL.cohere,
        query: "What is the capital of the United States?",
        documents: capitals,
        top_n: 3,
      },
    },
    {
      name: "cohere v1",
      emulator: cohereV1(KEY),
      auth: bearerAuth,
      body: { model: MODEL.cohere, query: "capital", documents: capitals, top_n: 2, return_documents: true },
    },
    {
      name: "jina",
      emulator: jina(KEY),
      auth: bearerAuth,
      body: {
        model: MODEL.jina,
        query: "Organic skincare products for sensitive skin",
        top_n: 2,
        documents: capitals,
      },
    },
    {
      name: "voyage",
      emulator: voyage(KEY),
      auth: bearerAuth,
      body: {
        query: "When is Apple's conference call scheduled?",
        documents: capitals,
        model: MODEL.voyage,
        top_k: 2,
      },
    },
    {
      name: "mixedbread",
      emulator: mixedbread(KEY),
      auth: bearerAuth,
      body: { model: MODEL.mixedbread, query: "capital", input: capitals, top_k: 2, return_input: false },
    },
    {
      name: "pinecone",
      emulator: pinecone(KEY),
      auth: pineconeAuth,
      body: {
        model: MODEL.pinecone,
        query: "The tech company Apple is known for its innovative products like the iPhone.",
        return_documents: true,
        top_n: 2,
        documents: capitals.map((text, i) => ({ id: `vec${i + 1}`, text })),
        parameters: { truncate: "END" },
      },
    },
    {
      name: "isaacus",
      emulator: isaacus(KEY),
      auth: bearerAuth,
      body: {
        model: MODEL.isaacus,
        query: "What are the essential elements of negligence?",
        texts: capitals,
      },
    },
    {
      name: "tei",
      emulator: tei(KEY),
      auth: bearerAuth,
      body: { query: "What is Deep Learning?", texts: ["Deep Learning is not...", "Deep learning is..."] },
    },
    {
      name: "vLLM",
      emulator: vllm(KEY),
      auth: bearerAuth,
      body: { model: MODEL.vllm, query: "q", documents: capitals },
    },
  ];

  for (const ex of examples) {
    it(`${ex.name}: 200 for the documented example, 400 for an unknown field, 401 for a wrong key`, async () => {
      const emu = await serve(ex.emulator);
      const post = (body: Json, key = KEY) =>
        fetch(`${emu.url}${ex.emulator.path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...ex.auth(key) },
          body: JSON.stringify(body),
        });
      try {
        const ok = await post(ex.body);
        assert.equal(ok.status, 200, emu.refusals.join("; "));
        await ok.json();
        assert.equal((await post({ ...ex.body, undocumented_field: 1 })).status, 400);
        assert.equal((await post(ex.body, "wrong-key")).status, 401);
      } finally {
        await emu.close();
      }
    });
  }
});
