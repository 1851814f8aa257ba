import type { Document } from "../core/documents.js";
import { InvalidInputError, throwIfAborted } from "../core/errors.js";
import { createRanker, type PointwiseMethod, type Ranker } from "../core/ranker.js";

/** One input to a fusion: a ranker, or a first-stage score read from each document. */
export type FusionSource =
  | Ranker
  | { ranker: Ranker; weight?: number }
  | { firstStage: string | ((doc: Document) => number); weight?: number; name?: string };

export type FusionOptions =
  /** Reciprocal rank fusion: Σ weight / (k + rank). Works with listwise rankers. */
  | { method: "rrf"; k?: number }
  /** Weighted sum of per-source scores, each normalised over the call (min-max by default). */
  | { method: "weighted"; normalize?: "minmax" | "zscore" | "none" };

interface Source {
  name: string;
  weight: number;
  /** Per-document score (higher is better) or rank (1 is best), in input order. */
  run: (
    query: string,
    docs: readonly Document[],
    signal?: AbortSignal,
  ) => Promise<{ scores?: number[]; ranks: number[] }>;
}

function ranksOf(scores: number[]): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const ranks = new Array<number>(scores.length);
  order.forEach((i, r) => {
    ranks[i] = r + 1;
  });
  return ranks;
}

function toSource(s: FusionSource, i: number): Source {
  if ("firstStage" in s) {
    const read = s.firstStage;
    const name = s.name ?? (typeof read === "string" ? `metadata.${read}` : `firstStage${i}`);
    return {
      name,
      weight: s.weight ?? 1,
      run: async (_q, docs) => {
        const scores = docs.map((d) => {
          const v = typeof read === "string" ? d.metadata[read] : read(d);
          if (typeof v !== "number" || Number.isNaN(v)) {
            throw new InvalidInputError(
              `document ${JSON.stringify(d.docId)} has no numeric first-stage score ${name}`,
            );
          }
          return v;
        });
        return { scores, ranks: ranksOf(scores) };
      },
    };
  }
  const ranker = "ranker" in s ? s.ranker : s;
  const weight = "ranker" in s ? (s.weight ?? 1) : 1;
  return {
    name: `${ranker.modelType}:${ranker.model}`,
    weight,
    run: async (query, docs, signal) => {
      const results = await ranker.rank(
        query,
        docs.map((d) => d.text),
        { signal },
      );
      const ranks = new Array<number>(docs.length);
      const scores = results.hasScores ? new Array<number>(docs.length) : undefined;
      for (const r of results) {
        ranks[r.docId as number] = r.rank;
        if (scores) scores[r.docId as number] = r.score as number;
      }
      return { scores, ranks };
    },
  };
}

function normalise(scores: number[], how: "minmax" | "zscore" | "none"): number[] {
  if (how === "none") return scores;
  if (how === "minmax") {
    const lo = Math.min(...scores);
    const span = Math.max(...scores) - lo;
    return scores.map((s) => (span === 0 ? 0 : (s - lo) / span));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return scores.map((s) => (sd === 0 ? 0 : (s - mean) / sd));
}

/**
 * Combine several rankers (and/or a first-stage score such as BM25 in `metadata`) into one more ranker,
 * by reciprocal rank fusion or a weighted blend of normalised scores.
 */
export function fuse(sources: readonly FusionSource[], options: FusionOptions = { method: "rrf" }): Ranker {
  if (sources.length === 0) throw new InvalidInputError("fuse() needs at least one source");
  const list = sources.map(toSource);
  for (const s of list) {
    if (!Number.isFinite(s.weight) || s.weight < 0)
      throw new InvalidInputError(`fusion weight of ${s.name} must be >= 0`);
  }
  const k = options.method === "rrf" ? (options.k ?? 60) : 0;
  if (options.method === "rrf" && !(k >= 0)) throw new InvalidInputError("rrf k must be >= 0");

  const method: PointwiseMethod = {
    kind: "pointwise",
    async scoreDocuments(query, docs, ctx) {
      const outputs: { scores?: number[]; ranks: number[] }[] = [];
      for (const s of list) {
        throwIfAborted(ctx.signal);
        outputs.push(await s.run(query, docs, ctx.signal));
      }
      const fused = new Array<number>(docs.length).fill(0);
      list.forEach((s, j) => {
        const out = outputs[j];
        if (options.method === "rrf") {
          out.ranks.forEach((r, i) => {
            fused[i] += s.weight / (k + r);
          });
          return;
        }
        if (!out.scores)
          throw new InvalidInputError(`${s.name} is listwise and has no scores: use { method: "rrf" }`);
        normalise(out.scores, options.normalize ?? "minmax").forEach((v, i) => {
          fused[i] += s.weight * v;
        });
      });
      ctx.progress(docs.length);
      return { scores: fused };
    },
    async close() {
      await Promise.all(
        sources.map((s) => ("firstStage" in s ? undefined : ("ranker" in s ? s.ranker : s).close())),
      );
    },
  };
  return createRanker(
    {
      modelType: "fusion",
      model: `${options.method}(${list.map((s) => s.name).join(", ")})`,
      provider: null,
    },
    method,
  );
}
