/**
 * Cross-encoder throughput on bench/workload.json (12 queries x 40 passages) with minilm-l6-h384-random, as passes
 * that bench/run.ts interleaves round by round with the SGEMM peak so that machine noise hits everything alike:
 * - naive fp32: rerankers-style batches of 16 pairs in input order, one in-process session with every core;
 * - ours fp32 / q8: the public API (length-sorted token-budget batches, data-parallel worker sessions), and ours
 *   fp32 with one in-process session using every thread;
 * - server: `startServer` on loopback with its defaults (one worker session, every core), 16 concurrent clients.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import "../src/core/families.js";
import type { DtypeName } from "../src/core/option-specs.js";
import type { Ranker } from "../src/core/ranker.js";
import { Reranker, type RerankerOptions } from "../src/core/reranker.js";
import { encoderTokenBudget, planBatches } from "../src/engine/batching.js";
import { fuseEncoderGraph } from "../src/engine/graph/fuse.js";
import { findOnnxFile } from "../src/engine/model-files.js";
import { PairClassifier } from "../src/engine/pair-classifier.js";
import { startServer } from "../src/server/serve.js";

export const FIXTURES =
  process.env.RERANKERS_FIXTURES ?? join(import.meta.dirname, "..", "..", "shared", "fixtures");
/** MiniLM-L6-H384: 6 layers, hidden 384, intermediate 1536, one label (the fixture's config.json). */
export const GEOMETRY = { layers: 6, hidden: 384, intermediate: 1536, labels: 1 };

/**
 * Useful GFLOP of one pair of `tokens` tokens (no padding): 2 x the multiply-adds of every MatMul/Gemm. Per layer,
 * Q, K, V and output projections (4 H^2 per token), the feed-forward pair (2 H I per token) and attention's two
 * batched products (Q K^T and P V: 2 L^2 H over all heads); then the pooler (H^2) and classifier (H x labels) on
 * the first token. Element-wise work (softmax, GELU, LayerNorm, embeddings) is not counted. At the workload's mean
 * length (250.3) this is 5.892 GFLOP, but attention is quadratic, so the per-pair sum is what the bench uses.
 * This is the full encoder's count, the one the targets use; `firstTokenOnly` gives what the graph runs when its
 * last layer computes the first token alone (engine/graph/first-token.ts): keys and values for every token, the
 * rest for one.
 */
export function pairGflop(tokens: number, g = GEOMETRY, firstTokenOnly = false): number {
  const { layers, hidden: h, intermediate: i, labels } = g;
  const layer = (queries: number) => tokens * 2 * h * h + queries * (2 * h * h + 2 * h * i + 2 * tokens * h);
  const last = firstTokenOnly ? layer(1) : layer(tokens);
  return (2 * ((layers - 1) * layer(tokens) + last + h * h + h * labels)) / 1e9;
}

interface Workload {
  queries: { qid: string; query: string; docs: { docId: string; text: string }[] }[];
}

export interface CrossEncoderBenchOptions {
  /** Total threads: the naive baseline's session threads, and ours' threads x workers. */
  threads: number;
  /** Data-parallel worker sessions for ours (fp32, q8, server); each gets threads / workers intra-op threads. */
  workers: number;
  tokenBudget?: number;
  /** Only the first N queries (a quick look on a busy machine; the reported targets need all 12). */
  queries?: number;
  clients?: number;
  /** Data-parallel 1-thread worker sessions for the server instead of its default (one worker, every core). */
  serverWorkers?: number;
}

export interface PassResult {
  docsPerSec: number;
  ms: number;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export interface CrossEncoderBench {
  pairs: number;
  meanTokens: number;
  truncated: number;
  /** Useful GFLOP of the whole workload: every pair at its own (unpadded) length. */
  usefulGflop: number;
  /** GFLOP the naive baseline executes (every pair at its batch's padded length). */
  naivePaddedGflop: number;
  naivePaddedTokensPerPair: number;
  /**
   * GFLOP ours executes per setup (token-budget batches of length-sorted pairs, padded to each batch's longest,
   * the last layer on the first token only when the graph does that).
   */
  oursPaddedGflop: { workers: number; inProcess: number };
  /** Whether ours' graph runs its last layer on the first token only. */
  firstTokenOnly: boolean;
  /** Padded tokens per run of each setup (the library's per-thread default unless BENCH_TOKEN_BUDGET). */
  tokenBudget: { workers: number; inProcess: number };
  tokenizeMs: number;
  loadMs: { fp32: number; q8: number; server: number };
  naive(): Promise<PassResult>;
  fp32(): Promise<PassResult>;
  /** Ours fp32 with one in-process session using every thread (no workers), for comparison. */
  fp32Intra(): Promise<PassResult>;
  q8(): Promise<PassResult>;
  server(): Promise<PassResult & { errors: number; clients: number }>;
  /**
   * Largest |batched - one pair per run| over every pair, fp32: ours (fused graph, token-budget batches) against
   * the naive session (the exported graph as is) run pair by pair, so it checks the fusion and the batching at once.
   */
  maxDiffVsUnbatched(): Promise<number>;
  top1Agreement(): string;
  close(): Promise<void>;
}

export async function crossEncoderBench(options: CrossEncoderBenchOptions): Promise<CrossEncoderBench> {
  const dir = join(FIXTURES, "minilm-l6-h384-random");
  const workload = JSON.parse(readFileSync(join(FIXTURES, "bench", "workload.json"), "utf8")) as Workload;
  const queries = workload.queries.slice(0, options.queries ?? workload.queries.length);
  const pairs = queries.reduce((n, q) => n + q.docs.length, 0);
  const perWorker = Math.max(1, Math.floor(options.threads / options.workers));
  // Unset, each setup gets the library's default for its threads per session (engine/batching.ts).
  const tokenBudget = {
    workers: options.tokenBudget ?? encoderTokenBudget(perWorker),
    inProcess: options.tokenBudget ?? encoderTokenBudget(options.threads),
  };
  const ours = {
    modelType: "cross-encoder" as const,
    workers: options.workers,
    threads: perWorker,
    tokenBudget: options.tokenBudget,
  };

  const load = async (dtype: DtypeName): Promise<{ ranker: Ranker; ms: number }> => {
    const t0 = performance.now();
    const ranker = await Reranker(dir, { ...ours, dtype });
    return { ranker, ms: performance.now() - t0 };
  };
  const fp32 = await load("fp32");
  const q8 = await load("q8");
  // One in-process session with every thread (the attention-fused graph, like every session the library opens).
  const fp32Intra = await Reranker(dir, {
    modelType: "cross-encoder",
    threads: options.threads,
    tokenBudget: options.tokenBudget,
  });
  // The naive baseline runs the exported graph as is: plain onnxruntime, no offline fusion.
  const onnxFile = await findOnnxFile(dir, "model", "fp32");
  const naive = await PairClassifier.load(dir, onnxFile, {
    threads: options.threads,
    fuse: false,
  });
  const serverT0 = performance.now();
  // The server's defaults (worker sessions, tokenising there too: one 1-thread session per core for this small
  // model, engine/onnx.ts autoWorkers), unless BENCH_SERVER_WORKERS sets the count.
  const serverOptions: RerankerOptions = {
    modelType: "cross-encoder",
    dtype: "fp32",
    tokenBudget: options.tokenBudget,
    ...(options.serverWorkers ? { workers: options.serverWorkers, threads: 1 } : {}),
  };
  const server = await startServer({
    models: [{ name: dir, options: serverOptions }],
    port: 0,
    limits: { maxDocuments: 1000, maxConcurrent: 4, maxQueue: 64 },
  });
  const serverMs = performance.now() - serverT0;

  // Tokenisation alone, as rank() does it in process; also gives the lengths the FLOP counts need.
  const tokT0 = performance.now();
  const encodings = queries.map((q) =>
    naive.encodePairs(
      q.query,
      q.docs.map((d) => d.text),
    ),
  );
  const tokenizeMs = performance.now() - tokT0;
  const lengths = encodings.map((e) => e.map((x) => x.ids.length));
  const all = lengths.flat();
  const usefulGflop = all.reduce((s, l) => s + pairGflop(l), 0);
  let naivePadded = 0;
  let naivePaddedGflop = 0;
  for (const ls of lengths) {
    for (let i = 0; i < ls.length; i += 16) {
      const chunk = ls.slice(i, i + 16);
      const w = Math.max(...chunk);
      naivePadded += w * chunk.length;
      naivePaddedGflop += pairGflop(w) * chunk.length;
    }
  }
  const firstTokenOnly = fuseEncoderGraph(new Uint8Array(readFileSync(onnxFile)))?.firstToken ?? false;
  const executed = (budget: number) => {
    let gflop = 0;
    for (const ls of lengths)
      for (const b of planBatches(ls, budget, Number.POSITIVE_INFINITY))
        gflop += pairGflop(ls[b[0]], GEOMETRY, firstTokenOnly) * b.length;
    return round(gflop, 2);
  };
  const oursPaddedGflop = {
    workers: executed(tokenBudget.workers),
    inProcess: executed(tokenBudget.inProcess),
  };

  const timed = async (run: () => Promise<void>): Promise<PassResult> => {
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    return { docsPerSec: round(pairs / (ms / 1000)), ms: round(ms) };
  };
  const scores = {
    fp32: new Map<string, Map<string, number>>(),
    fp32Intra: new Map<string, Map<string, number>>(),
    q8: new Map<string, Map<string, number>>(),
  };
  const rankPass = (variant: keyof typeof scores, ranker: Ranker) =>
    timed(async () => {
      for (const q of queries) {
        const res = await ranker.rank(q.query, q.docs);
        scores[variant].set(q.qid, new Map(res.results.map((r) => [String(r.docId), r.score as number])));
      }
    });

  // The server pass: each query's 40 passages as two 20-passage requests, `clients` clients pulling from one list.
  const requests = queries.flatMap((q) =>
    [0, 20].map((from) => ({ query: q.query, documents: q.docs.slice(from, from + 20).map((d) => d.text) })),
  );
  const clients = options.clients ?? 16;
  const serverPass = async () => {
    let next = 0;
    let errors = 0;
    let served = 0;
    const result = await timed(async () => {
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (next < requests.length) {
            const body = requests[next++];
            try {
              const res = await fetch(`${server.url}/v1/rerank`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(body),
                signal: AbortSignal.timeout(120_000),
              });
              const json = (await res.json()) as { results?: unknown[] };
              if (res.ok && json.results?.length === body.documents.length) served += body.documents.length;
              else errors++;
            } catch {
              errors++;
            }
          }
        }),
      );
    });
    return { ...result, docsPerSec: round(served / (result.ms / 1000)), errors, clients };
  };

  // Warm-up: one query through every variant (and one request through the server).
  await fp32.ranker.rank(queries[0].query, queries[0].docs);
  await q8.ranker.rank(queries[0].query, queries[0].docs);
  await fp32Intra.rank(queries[0].query, queries[0].docs);
  await naive.logits(encodings[0].slice(0, 16));
  await fetch(`${server.url}/v1/rerank`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(requests[0]),
  }).then((r) => r.arrayBuffer());

  return {
    pairs,
    meanTokens: round(all.reduce((a, b) => a + b, 0) / all.length),
    truncated: all.filter((l) => l >= 512).length,
    usefulGflop: round(usefulGflop, 2),
    naivePaddedGflop: round(naivePaddedGflop, 2),
    naivePaddedTokensPerPair: round(naivePadded / pairs),
    oursPaddedGflop,
    firstTokenOnly,
    tokenBudget,
    tokenizeMs: round(tokenizeMs),
    loadMs: { fp32: round(fp32.ms), q8: round(q8.ms), server: round(serverMs) },
    naive: () =>
      timed(async () => {
        for (const enc of queries.map((q) =>
          naive.encodePairs(
            q.query,
            q.docs.map((d) => d.text),
          ),
        )) {
          for (let i = 0; i < enc.length; i += 16) await naive.logits(enc.slice(i, i + 16));
        }
      }),
    fp32: () => rankPass("fp32", fp32.ranker),
    fp32Intra: () => rankPass("fp32Intra", fp32Intra),
    q8: () => rankPass("q8", q8.ranker),
    server: serverPass,
    async maxDiffVsUnbatched() {
      let max = 0;
      for (let k = 0; k < queries.length; k++) {
        const q = queries[k];
        for (let i = 0; i < q.docs.length; i++) {
          const { data } = await naive.logits([encodings[k][i]]);
          for (const variant of [scores.fp32, scores.fp32Intra]) {
            const got = variant.get(q.qid)?.get(q.docs[i].docId) as number;
            max = Math.max(max, Math.abs(got - data[0]));
          }
        }
      }
      return max;
    },
    top1Agreement() {
      let agree = 0;
      for (const q of queries) {
        const best = (m: Map<string, number>) => [...m].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
        const a = scores.fp32.get(q.qid);
        const b = scores.q8.get(q.qid);
        if (a && b && best(a) === best(b)) agree++;
      }
      return `${agree}/${queries.length}`;
    },
    async close() {
      await server.close();
      await fp32.ranker.close();
      await q8.ranker.close();
      await fp32Intra.close();
      await naive.close();
    },
  };
}
