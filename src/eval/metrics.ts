/**
 * IR metrics with trec_eval's definitions: a run is sorted by score descending, ties broken by docId in
 * descending (string) order as trec_eval does; relevance is graded (qrels value > 0 is relevant).
 */
export type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;
export type Run = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface QueryMetrics {
  "ndcg@10": number;
  "mrr@10": number;
  "recall@10": number;
  "recall@100": number;
  map: number;
}

export const METRIC_NAMES: readonly (keyof QueryMetrics)[] = [
  "ndcg@10",
  "mrr@10",
  "recall@10",
  "recall@100",
  "map",
];

/** Doc ids in trec_eval order: score descending, then docId descending. */
export function sortRun(scores: ReadonlyMap<string, number>): string[] {
  return [...scores.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .map(([id]) => id);
}

/** nDCG@k with gain 2^rel − 1 and discount log2(rank + 1); the ideal ranking comes from all judged documents. */
export function ndcgAt(ranked: readonly string[], rels: ReadonlyMap<string, number>, k: number): number {
  const gain = (rel: number) => (rel > 0 ? 2 ** rel - 1 : 0);
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    dcg += gain(rels.get(id) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...rels.values()].filter((r) => r > 0).sort((a, b) => b - a);
  let idcg = 0;
  ideal.slice(0, k).forEach((rel, i) => {
    idcg += gain(rel) / Math.log2(i + 2);
  });
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Reciprocal rank of the first relevant document within the top k (0 if none). */
export function mrrAt(ranked: readonly string[], rels: ReadonlyMap<string, number>, k: number): number {
  const i = ranked.slice(0, k).findIndex((id) => (rels.get(id) ?? 0) > 0);
  return i < 0 ? 0 : 1 / (i + 1);
}

/** Relevant documents in the top k over all relevant documents. */
export function recallAt(ranked: readonly string[], rels: ReadonlyMap<string, number>, k: number): number {
  const relevant = [...rels.values()].filter((r) => r > 0).length;
  if (relevant === 0) return 0;
  return ranked.slice(0, k).filter((id) => (rels.get(id) ?? 0) > 0).length / relevant;
}

/** Average precision over the whole ranking, divided by the number of relevant documents. */
export function averagePrecision(ranked: readonly string[], rels: ReadonlyMap<string, number>): number {
  const relevant = [...rels.values()].filter((r) => r > 0).length;
  if (relevant === 0) return 0;
  let hits = 0;
  let sum = 0;
  ranked.forEach((id, i) => {
    if ((rels.get(id) ?? 0) > 0) {
      hits++;
      sum += hits / (i + 1);
    }
  });
  return sum / relevant;
}

export function queryMetrics(
  scores: ReadonlyMap<string, number>,
  rels: ReadonlyMap<string, number>,
): QueryMetrics {
  const ranked = sortRun(scores);
  return {
    "ndcg@10": ndcgAt(ranked, rels, 10),
    "mrr@10": mrrAt(ranked, rels, 10),
    "recall@10": recallAt(ranked, rels, 10),
    "recall@100": recallAt(ranked, rels, 100),
    map: averagePrecision(ranked, rels),
  };
}

/**
 * Per-query and mean metrics over the queries that have at least one relevant judgement (as trec_eval does by
 * default); a query missing from the run scores 0.
 */
export function evaluate(
  run: Run,
  qrels: Qrels,
): { perQuery: Map<string, QueryMetrics>; mean: QueryMetrics } {
  const perQuery = new Map<string, QueryMetrics>();
  for (const [qid, rels] of qrels) {
    if (![...rels.values()].some((r) => r > 0)) continue;
    perQuery.set(qid, queryMetrics(run.get(qid) ?? new Map(), rels));
  }
  const mean = Object.fromEntries(
    METRIC_NAMES.map((m) => [
      m,
      perQuery.size === 0 ? 0 : [...perQuery.values()].reduce((a, q) => a + q[m], 0) / perQuery.size,
    ]),
  ) as unknown as QueryMetrics;
  return { perQuery, mean };
}
