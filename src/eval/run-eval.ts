import { InvalidInputError } from "../core/errors.js";
import type { Progress, Ranker } from "../core/ranker.js";
import { Bm25Index } from "./bm25.js";
import { type BeirDataset, documentText } from "./dataset.js";
import { evaluate, METRIC_NAMES, type QueryMetrics, type Run, sortRun } from "./metrics.js";

export interface EvalOptions {
  /** First-stage candidates per query (a TREC run); BM25 over the corpus when absent. */
  run?: Run;
  /** Candidates reranked per query (default 100). */
  depth?: number;
  signal?: AbortSignal;
  /** Called per model as queries finish. */
  onProgress?: (model: string, progress: Progress) => void;
}

export interface SystemResult {
  /** "first-stage" or the model name. */
  name: string;
  modelType: string;
  mean: QueryMetrics;
  perQuery: Record<string, QueryMetrics>;
  seconds: number;
}

export interface EvalReport {
  dataset: string;
  queries: number;
  depth: number;
  firstStage: "bm25" | "run";
  systems: SystemResult[];
}

/** Candidate doc ids per query: the first-stage run cut to `depth`, or BM25 over the corpus. */
export function firstStage(
  data: BeirDataset,
  queryIds: readonly string[],
  depth: number,
  run?: Run,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  if (run) {
    for (const qid of queryIds) {
      const scores = run.get(qid) ?? new Map<string, number>();
      const top = sortRun(scores)
        .slice(0, depth)
        .filter((id) => data.corpus.has(id));
      out.set(qid, new Map(top.map((id) => [id, scores.get(id) as number])));
    }
    return out;
  }
  const index = new Bm25Index();
  for (const [id, doc] of data.corpus) index.add(id, documentText(doc));
  for (const qid of queryIds) out.set(qid, new Map(index.search(data.queries.get(qid) as string, depth)));
  return out;
}

/**
 * Rerank each query's first-stage candidates with every ranker and score them with nDCG@10, MRR@10,
 * Recall@10/100 and MAP. The first stage itself is reported as the baseline row.
 */
export async function runEvaluation(
  name: string,
  data: BeirDataset,
  rankers: readonly Ranker[],
  options: EvalOptions = {},
): Promise<EvalReport> {
  const depth = options.depth ?? 100;
  if (!Number.isInteger(depth) || depth < 1)
    throw new InvalidInputError(`depth must be a positive integer, got ${depth}`);
  const queryIds = [...data.qrels.keys()].filter((q) => data.queries.has(q));
  if (queryIds.length === 0) throw new InvalidInputError("no judged query of the qrels is in queries.jsonl");

  const started = Date.now();
  const candidates = firstStage(data, queryIds, depth, options.run);
  const systems: SystemResult[] = [
    summarise("first-stage", options.run ? "run" : "bm25", candidates, data, started),
  ];

  for (const ranker of rankers) {
    const t0 = Date.now();
    const reranked = new Map<string, Map<string, number>>();
    for (const [i, qid] of queryIds.entries()) {
      const ids = [...(candidates.get(qid) ?? new Map()).keys()];
      const docs = ids.map((id) => documentText(data.corpus.get(id) as { title: string; text: string }));
      const results = await ranker.rank(data.queries.get(qid) as string, docs, {
        docIds: ids,
        signal: options.signal,
      });
      // Listwise methods have ranks only: −rank keeps their order under trec_eval's score sort.
      reranked.set(qid, new Map([...results].map((r) => [String(r.docId), r.score ?? -r.rank])));
      options.onProgress?.(ranker.model, { done: i + 1, total: queryIds.length });
    }
    systems.push(summarise(ranker.model, ranker.modelType, reranked, data, t0));
  }
  return {
    dataset: name,
    queries: queryIds.length,
    depth,
    firstStage: options.run ? "run" : "bm25",
    systems,
  };
}

function summarise(name: string, modelType: string, run: Run, data: BeirDataset, t0: number): SystemResult {
  const { perQuery, mean } = evaluate(run, data.qrels);
  return { name, modelType, mean, perQuery: Object.fromEntries(perQuery), seconds: (Date.now() - t0) / 1000 };
}

/** A plain table of mean metrics, one row per system. */
export function formatReportTable(report: EvalReport): string {
  const head = ["system", ...METRIC_NAMES, "seconds"];
  const rows = report.systems.map((s) => [
    s.name,
    ...METRIC_NAMES.map((m) => s.mean[m].toFixed(4)),
    s.seconds.toFixed(1),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [
    `${report.dataset}: ${report.queries} queries, depth ${report.depth}, first stage ${report.firstStage}`,
    line(head),
    ...rows.map(line),
  ].join("\n");
}
