/**
 * Cross-encoder throughput on bench/workload.json (12 queries x 40 passages) with minilm-l6-h384-random:
 * fp32 and q8 through the public API (length-sorted, token-budget batches), against the naive rerankers-style
 * baseline (batches of 16 in input order, fp32) measured in the same run, interleaved query by query so that
 * machine noise hits every variant alike.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import "../src/core/families.js";
import type { DtypeName } from "../src/core/option-specs.js";
import type { Ranker } from "../src/core/ranker.js";
import { Reranker } from "../src/core/reranker.js";
import { DEFAULT_TOKEN_BUDGET } from "../src/engine/batching.js";
import { findOnnxFile } from "../src/engine/model-files.js";
import { defaultThreads } from "../src/engine/onnx.js";
import { PairClassifier } from "../src/engine/pair-classifier.js";
import type { Encoding } from "../src/engine/tokenizer.js";

export const FIXTURES =
  process.env.RERANKERS_FIXTURES ?? join(import.meta.dirname, "..", "..", "shared", "fixtures");
/** MiniLM-L6-H384 GFLOP per pair at the workload's mean length (bench/README.md). */
export const GFLOP_PER_PAIR = 5.892;

interface Workload {
  queries: { qid: string; query: string; docs: { docId: string; text: string }[] }[];
}

export interface CrossEncoderBenchOptions {
  threads?: number;
  tokenBudget?: number;
  /** Compare fp32 scores with one-pair-per-run scoring (slow: 480 runs). */
  checkUnbatched?: boolean;
  /** Called before each query (run.ts samples the SGEMM rate there, under the same machine conditions). */
  beforeQuery?: () => Promise<void>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function timeQueries(
  queries: Workload["queries"],
  run: (q: Workload["queries"][number]) => Promise<void>,
): Promise<number[]> {
  const times: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    await run(q);
    times.push(performance.now() - t0);
  }
  return times;
}

function summary(times: number[], pairs: number) {
  const total = times.reduce((a, b) => a + b, 0);
  return {
    docsPerSec: round(pairs / (total / 1000)),
    p50QueryMs: round(median(times)),
    totalMs: round(total),
  };
}

export async function runCrossEncoderBench(
  options: CrossEncoderBenchOptions = {},
): Promise<Record<string, unknown>> {
  const dir = join(FIXTURES, "minilm-l6-h384-random");
  const workload = JSON.parse(readFileSync(join(FIXTURES, "bench", "workload.json"), "utf8")) as Workload;
  const queries = workload.queries;
  const pairs = queries.reduce((n, q) => n + q.docs.length, 0);
  const threads = options.threads ?? defaultThreads();
  const tokenBudget = options.tokenBudget ?? DEFAULT_TOKEN_BUDGET;

  const load = async (dtype: DtypeName): Promise<{ ranker: Ranker; ms: number }> => {
    const t0 = performance.now();
    const ranker = await Reranker(dir, { modelType: "cross-encoder", dtype, threads, tokenBudget });
    return { ranker, ms: performance.now() - t0 };
  };
  const fp32 = await load("fp32");
  const q8 = await load("q8");
  // The naive baseline shares the fp32 session (sessions are cached per file and options).
  const naive = await PairClassifier.load(dir, await findOnnxFile(dir, "model", "fp32"), { threads });

  // Tokenisation alone, as rank() does it.
  const tokT0 = performance.now();
  const encodings = new Map<string, Encoding[]>();
  for (const q of queries) {
    encodings.set(
      q.qid,
      naive.encodePairs(
        q.query,
        q.docs.map((d) => d.text),
      ),
    );
  }
  const tokenizeMs = performance.now() - tokT0;
  const lengths = [...encodings.values()].flat().map((e) => e.ids.length);
  const meanTokens = lengths.reduce((a, b) => a + b, 0) / lengths.length;

  // Warm-up: one query through every variant.
  await fp32.ranker.rank(queries[0].query, queries[0].docs);
  await q8.ranker.rank(queries[0].query, queries[0].docs);

  const fp32Scores = new Map<string, Map<string, number>>();
  const q8Scores = new Map<string, Map<string, number>>();
  const times = { fp32: [] as number[], q8: [] as number[], naive: [] as number[] };
  let naivePadded = 0;
  for (const q of queries) {
    await options.beforeQuery?.();
    times.naive.push(
      ...(await timeQueries([q], async () => {
        const enc = naive.encodePairs(
          q.query,
          q.docs.map((d) => d.text),
        );
        for (let i = 0; i < enc.length; i += 16) {
          const chunk = enc.slice(i, i + 16);
          naivePadded += Math.max(...chunk.map((e) => e.ids.length)) * chunk.length;
          await naive.logits(chunk);
        }
      })),
    );
    for (const [variant, ranker, store] of [
      ["fp32", fp32.ranker, fp32Scores],
      ["q8", q8.ranker, q8Scores],
    ] as const) {
      times[variant].push(
        ...(await timeQueries([q], async () => {
          const res = await ranker.rank(q.query, q.docs);
          store.set(q.qid, new Map(res.results.map((r) => [String(r.docId), r.score as number])));
        })),
      );
    }
  }

  let maxDiffUnbatched: number | undefined;
  if (options.checkUnbatched !== false) {
    maxDiffUnbatched = 0;
    for (const q of queries) {
      const enc = encodings.get(q.qid) as Encoding[];
      for (let i = 0; i < enc.length; i++) {
        const { data } = await naive.logits([enc[i]]);
        const got = fp32Scores.get(q.qid)?.get(q.docs[i].docId) as number;
        maxDiffUnbatched = Math.max(maxDiffUnbatched, Math.abs(got - data[0]));
      }
    }
  }

  let top1Agree = 0;
  for (const q of queries) {
    const best = (m: Map<string, number>) => [...m].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    if (
      best(fp32Scores.get(q.qid) as Map<string, number>) === best(q8Scores.get(q.qid) as Map<string, number>)
    )
      top1Agree++;
  }

  const f = summary(times.fp32, pairs);
  const n = summary(times.naive, pairs);
  const q = summary(times.q8, pairs);
  await fp32.ranker.close();
  await q8.ranker.close();
  await naive.close();
  return {
    model: "minilm-l6-h384-random",
    threads,
    tokenBudget,
    workload: {
      queries: queries.length,
      pairs,
      meanTokens: round(meanTokens),
      truncated: lengths.filter((l) => l >= 512).length,
    },
    loadMs: { fp32: round(fp32.ms), q8: round(q8.ms) },
    fp32: { ...f, gflops: round(f.docsPerSec * GFLOP_PER_PAIR), maxDiffVsUnbatched: maxDiffUnbatched },
    q8: {
      ...q,
      vsNaiveFp32: round(q.docsPerSec / n.docsPerSec, 2),
      top1AgreesWithFp32: `${top1Agree}/${queries.length}`,
    },
    naiveFp32: {
      ...n,
      paddedTokensPerPair: round(naivePadded / pairs),
      vsOptimisedFp32: round(n.docsPerSec / f.docsPerSec, 2),
    },
    tokenisation: { ms: round(tokenizeMs), shareOfFp32EndToEnd: round(tokenizeMs / f.totalMs, 3) },
  };
}
