import { createRequire } from "node:module";
import { InvalidInputError } from "../core/errors.js";
import type { Progress, Ranker } from "../core/ranker.js";
import { Bm25Index } from "./bm25.js";
import { type BeirDataset, documentText } from "./dataset.js";
import { evaluate, METRIC_NAMES, type Qrels, type QueryMetrics, type Run, sortRun } from "./metrics.js";
import { holm, type PairedTest, pairedTests } from "./significance.js";
import type { EvalWarning } from "./warnings.js";

export interface EvalOptions {
  /** First-stage candidates per query (a TREC run); BM25 over the corpus when absent. */
  run?: Run;
  /** Where the run came from, for the report's metadata. */
  runPath?: string;
  /** Candidates reranked per query (default 100). */
  depth?: number;
  /**
   * Drop a candidate whose doc id is the query's id, after the depth cut, from the first stage and so from every
   * reranker (Pyserini's `--remove-query`; ArguAna and Quora use queries that are corpus documents).
   */
  removeQuery?: boolean;
  /** qrels split name, for the report's metadata (default "test"). */
  split?: string;
  /** Randomization-test trials (default 10,000) and seed (default 42). */
  trials?: number;
  seed?: number;
  /** Significance level for the markers in tables (default 0.05). */
  alpha?: number;
  /** Extra settings recorded in the report's metadata (backend options, batch size, ...). */
  settings?: Record<string, unknown>;
  /** Problems found while loading the inputs, carried into the report. */
  warnings?: readonly EvalWarning[];
  signal?: AbortSignal;
  /** Called per model as queries finish. */
  onProgress?: (model: string, progress: Progress) => void;
}

export interface SystemResult {
  /** "first-stage" or a label unique in this report (the model name, made distinct when repeated). */
  label: string;
  /** "first-stage" or the model name. */
  name: string;
  modelType: string;
  mean: QueryMetrics;
  perQuery: Record<string, QueryMetrics>;
  seconds: number;
}

export interface Comparison extends PairedTest {
  metric: keyof QueryMetrics;
  /** Labels of the two systems; differences are a − b. */
  a: string;
  b: string;
  /** Holm–Bonferroni adjusted p-values over every comparison of the same metric. */
  tPAdjusted: number;
  randPAdjusted: number;
}

export interface EvalMetadata {
  rerankersVersion: string;
  node: string;
  date: string;
  dataset: string;
  split: string;
  depth: number;
  /** Whether a candidate equal to its query's id was dropped (Pyserini's --remove-query). */
  removeQuery: boolean;
  queries: number;
  firstStage: { kind: "bm25"; k1: number; b: number; analyzer: string } | { kind: "run"; path?: string };
  models: { label: string; model: string; modelType: string }[];
  significance: {
    tests: string[];
    trials: number;
    seed: number;
    correction: string;
    alpha: number;
  };
  settings: Record<string, unknown>;
}

export interface EvalReport {
  dataset: string;
  queries: number;
  depth: number;
  firstStage: "bm25" | "run";
  systems: SystemResult[];
  comparisons: Comparison[];
  warnings: EvalWarning[];
  metadata: EvalMetadata;
}

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Judged queries (at least one relevant document) that have text, in qrels order. */
export function evaluatedQueries(data: BeirDataset): string[] {
  return [...data.qrels]
    .filter(([q, rels]) => data.queries.has(q) && [...rels.values()].some((r) => r > 0))
    .map(([q]) => q);
}

/**
 * Candidate doc ids per query: the first-stage run cut to `depth`, or BM25 over the corpus. `scored` is what the
 * first-stage row is measured on (the run as given, cut to depth, as trec_eval would see it); `candidates` drops
 * documents that are not in the corpus, since they cannot be reranked, and reports them through `warnings`.
 */
export function firstStage(
  data: BeirDataset,
  queryIds: readonly string[],
  depth: number,
  run?: Run,
  warnings: EvalWarning[] = [],
  removeQuery = false,
): { candidates: Map<string, Map<string, number>>; scored: Map<string, Map<string, number>> } {
  const candidates = new Map<string, Map<string, number>>();
  const scored = new Map<string, Map<string, number>>();
  const kept = (qid: string, id: string) => !removeQuery || id !== qid;
  if (run) {
    let unknown = 0;
    let missing = 0;
    for (const qid of queryIds) {
      const scores = run.get(qid);
      if (!scores) missing++;
      const top = sortRun(scores ?? new Map())
        .slice(0, depth)
        .filter((id) => kept(qid, id));
      scored.set(qid, new Map(top.map((id) => [id, scores?.get(id) as number])));
      const known = top.filter((id) => data.corpus.has(id));
      unknown += top.length - known.length;
      candidates.set(qid, new Map(known.map((id) => [id, scores?.get(id) as number])));
    }
    if (missing === queryIds.length) throw new InvalidInputError("the run has no query of the qrels");
    if (unknown > 0) {
      warnings.push({
        code: "run-unknown-doc",
        count: unknown,
        message: `run: ${unknown} candidate(s) within depth ${depth} are not in corpus.jsonl; the first-stage row counts them (as trec_eval does), rerankers cannot see them`,
      });
    }
    if (missing > 0) {
      warnings.push({
        code: "run-missing-query",
        count: missing,
        message: `run: ${missing} evaluated query(ies) have no candidates and score 0`,
      });
    }
    return { candidates, scored };
  }
  const index = new Bm25Index();
  for (const [id, doc] of data.corpus) index.add(id, documentText(doc));
  for (const qid of queryIds) {
    const top = new Map(index.search(data.queries.get(qid) as string, depth).filter(([id]) => kept(qid, id)));
    candidates.set(qid, top);
    scored.set(qid, top);
  }
  return { candidates, scored };
}

/** Labels that tell systems apart: the model name, with its type and then a number when a name repeats. */
export function distinctLabels(models: readonly { model: string; modelType: string }[]): string[] {
  const count = (xs: string[], x: string) => xs.filter((y) => y === x).length;
  const names = models.map((m) => m.model);
  const typed = models.map((m) => (count(names, m.model) > 1 ? `${m.model} (${m.modelType})` : m.model));
  const seen = new Map<string, number>();
  return typed.map((label) => {
    if (count(typed, label) === 1 && label !== "first-stage") return label;
    const k = (seen.get(label) ?? 0) + 1;
    seen.set(label, k);
    return `${label} #${k}`;
  });
}

/**
 * Rerank each query's first-stage candidates with every ranker and score them with nDCG@10, MRR@10,
 * Recall@10/100 and MAP. The first stage itself is reported as the baseline row; every system is compared with
 * the first stage and with every other system (paired t-test and randomization test, Holm-adjusted per metric).
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
  const trials = options.trials ?? 10_000;
  const seed = options.seed ?? 42;
  const alpha = options.alpha ?? 0.05;
  const queryIds = evaluatedQueries(data);
  if (queryIds.length === 0) throw new InvalidInputError("no judged query of the qrels is in queries.jsonl");
  const qrels: Qrels = new Map(queryIds.map((q) => [q, data.qrels.get(q) as ReadonlyMap<string, number>]));
  const warnings: EvalWarning[] = [...(data.warnings ?? []), ...(options.warnings ?? [])];

  const started = Date.now();
  const removeQuery = options.removeQuery ?? false;
  const { candidates, scored } = firstStage(data, queryIds, depth, options.run, warnings, removeQuery);
  const systems: SystemResult[] = [
    summarise("first-stage", "first-stage", options.run ? "run" : "bm25", scored, qrels, started),
  ];
  const labels = distinctLabels(rankers.map((r) => ({ model: r.model, modelType: r.modelType })));

  for (const [k, ranker] of rankers.entries()) {
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
      options.onProgress?.(labels[k], { done: i + 1, total: queryIds.length });
    }
    systems.push(summarise(labels[k], ranker.model, ranker.modelType, reranked, qrels, t0));
  }

  return {
    dataset: name,
    queries: queryIds.length,
    depth,
    firstStage: options.run ? "run" : "bm25",
    systems,
    comparisons: compareSystems(systems, queryIds, trials, seed),
    warnings,
    metadata: {
      rerankersVersion: packageVersion(),
      node: process.version,
      date: new Date().toISOString(),
      dataset: name,
      split: options.split ?? "test",
      depth,
      removeQuery,
      queries: queryIds.length,
      firstStage: options.run
        ? { kind: "run", path: options.runPath }
        : { kind: "bm25", k1: 0.9, b: 0.4, analyzer: "Lucene EnglishAnalyzer (Porter), 1-byte length norms" },
      models: systems.slice(1).map((s) => ({ label: s.label, model: s.name, modelType: s.modelType })),
      significance: {
        tests: ["paired t-test (two-sided)", "paired randomization test (sign flip, two-sided)"],
        trials,
        seed,
        correction: "Holm-Bonferroni over all comparisons of the same metric",
        alpha,
      },
      settings: options.settings ?? {},
    },
  };
}

/** Every reranker against the first stage, then every pair of rerankers, for every metric. */
export function compareSystems(
  systems: readonly SystemResult[],
  queryIds: readonly string[],
  trials = 10_000,
  seed = 42,
): Comparison[] {
  const pairs: [SystemResult, SystemResult][] = [];
  for (let i = 1; i < systems.length; i++) pairs.push([systems[i], systems[0]]);
  for (let i = 1; i < systems.length; i++)
    for (let j = i + 1; j < systems.length; j++) pairs.push([systems[i], systems[j]]);
  const out: Comparison[] = [];
  for (const metric of METRIC_NAMES) {
    const tests = pairs.map(([a, b]) =>
      pairedTests(
        queryIds.map((q) => a.perQuery[q][metric]),
        queryIds.map((q) => b.perQuery[q][metric]),
        trials,
        seed,
      ),
    );
    const tAdj = holm(tests.map((t) => t.tP));
    const rAdj = holm(tests.map((t) => t.randP));
    tests.forEach((t, i) => {
      out.push({
        metric,
        a: pairs[i][0].label,
        b: pairs[i][1].label,
        ...t,
        tPAdjusted: tAdj[i],
        randPAdjusted: rAdj[i],
      });
    });
  }
  return out;
}

function summarise(
  label: string,
  name: string,
  modelType: string,
  run: Run,
  qrels: Qrels,
  t0: number,
): SystemResult {
  const { perQuery, mean } = evaluate(run, qrels);
  return {
    label,
    name,
    modelType,
    mean,
    perQuery: Object.fromEntries(perQuery),
    seconds: (Date.now() - t0) / 1000,
  };
}
