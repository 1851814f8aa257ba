import { InvalidInputError } from "../core/errors.js";
import { createRanker, type PointwiseMethod, type Ranker } from "../core/ranker.js";

export interface ChunkingOptions {
  /** Window size in tokens (default 256). */
  chunkSize?: number;
  /** Tokens shared by consecutive windows (default 32). */
  overlap?: number;
  /** How window scores become the document's score (default "max"). */
  aggregate?: "max" | "mean" | "first";
  /**
   * Split text into tokens; windows are joined back with single spaces. Default: whitespace-separated words,
   * which keeps windows well under a subword model's limit when chunkSize is below its max length / 1.5.
   */
  tokenize?: (text: string) => string[];
}

/** Overlapping windows of a token list; a text shorter than one window is one window. */
export function windows(tokens: readonly string[], size: number, overlap: number): string[][] {
  if (tokens.length <= size) return [tokens.slice()];
  const step = size - overlap;
  const out: string[][] = [];
  for (let start = 0; ; start += step) {
    out.push(tokens.slice(start, start + size));
    if (start + size >= tokens.length) break;
  }
  return out;
}

/**
 * Score long documents in overlapping windows instead of truncating them, then aggregate per document.
 * Works with any pointwise ranker; listwise rankers are rejected (their windows' ranks cannot be aggregated).
 */
export function withChunking(ranker: Ranker, options: ChunkingOptions = {}): Ranker {
  const size = options.chunkSize ?? 256;
  const overlap = options.overlap ?? 32;
  const aggregate = options.aggregate ?? "max";
  const tokenize = options.tokenize ?? ((t: string) => t.split(/\s+/).filter(Boolean));
  if (!Number.isInteger(size) || size < 1)
    throw new InvalidInputError(`chunkSize must be a positive integer, got ${size}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new InvalidInputError(`overlap must be an integer in [0, chunkSize), got ${overlap}`);
  }
  if (ranker.listwise)
    throw new InvalidInputError(`withChunking needs a pointwise ranker; ${ranker.modelType} is listwise`);

  const method: PointwiseMethod = {
    kind: "pointwise",
    async scoreDocuments(query, docs, ctx) {
      const owner: number[] = [];
      const texts: string[] = [];
      docs.forEach((d, i) => {
        const parts =
          aggregate === "first"
            ? [tokenize(d.text).slice(0, size)]
            : windows(tokenize(d.text), size, overlap);
        for (const p of parts) {
          owner.push(i);
          texts.push(p.join(" "));
        }
      });
      const results = await ranker.rank(query, texts, {
        batchSize: ctx.batchSize,
        signal: ctx.signal,
        onProgress: (p) => ctx.progress(Math.floor((p.done / p.total) * docs.length)),
      });
      const windowScores: number[][] = docs.map(() => []);
      for (const r of results) windowScores[owner[r.docId as number]].push(r.score as number);
      const scores = windowScores.map((s) =>
        aggregate === "mean" ? s.reduce((a, b) => a + b, 0) / s.length : Math.max(...s),
      );
      return { scores };
    },
    close: () => ranker.close(),
  };
  return createRanker(
    { modelType: ranker.modelType, model: ranker.model, provider: ranker.provider },
    method,
  );
}
