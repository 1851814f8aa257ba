import type { Ranker } from "../core/ranker.js";
import { Reranker, type RerankerOptions } from "../core/reranker.js";

/** A ready ranker, or a model name (and options) that is loaded on first use, never in a constructor. */
export type RankerSource = Ranker | string | { model: string; options?: RerankerOptions };

/**
 * Memoise the ranker behind a source. A failed load is not cached, so the next call retries and the error
 * surfaces in the call that needed the model.
 */
export function lazyRanker(source: RankerSource): () => Promise<Ranker> {
  if (typeof source === "object" && "rank" in source) return async () => source;
  const model = typeof source === "string" ? source : source.model;
  const options = typeof source === "string" ? {} : (source.options ?? {});
  let pending: Promise<Ranker> | undefined;
  return () => {
    pending ??= Reranker(model, options).catch((err) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/** A score for every result: the method's score, or 1/rank for listwise methods that have none. */
export function relevanceOf(result: { score: number | undefined; rank: number }): number {
  return result.score ?? 1 / result.rank;
}
