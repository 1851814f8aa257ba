import { InvalidInputError } from "../core/errors.js";
import type { MethodContext } from "../core/ranker.js";
import { scoreInBatches } from "../engine/batching.js";
import { EmbeddingCache } from "../engine/embedding-cache.js";
import type { TokenMatrix } from "../engine/maxsim.js";
import type { EncoderRow, TokenEncoder } from "./colbert-encoder.js";

/** 256 MB of document token vectors by default. */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

/** Non-negative byte count (0 disables the cache). */
export function cacheBytesOption(options: Record<string, unknown>): number {
  const v = options.cacheBytes;
  if (v === undefined || v === null) return DEFAULT_CACHE_BYTES;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new InvalidInputError(`cacheBytes must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** One document ready for the encoder; `key` identifies its embeddings in the cache. */
export interface PreparedDocument extends EncoderRow {
  key: string;
}

export function createEmbeddingCache(maxBytes: number): EmbeddingCache<TokenMatrix> {
  // Key characters count twice (UTF-16), plus a small fixed overhead per entry.
  return new EmbeddingCache<TokenMatrix>(maxBytes, (m, key) => m.data.byteLength + 2 * key.length + 64);
}

export interface ScoringOptions {
  tokenBudget?: number;
  maxBatchSize?: number;
}

/**
 * Score documents against one query with late interaction: cached documents skip the encoder; the others
 * (each distinct key once) are encoded in length-sorted batches, cached, and scored. Scores in input order.
 */
export async function scoreDocumentsCached(
  encoder: TokenEncoder,
  cache: EmbeddingCache<TokenMatrix>,
  docs: readonly PreparedDocument[],
  score: (doc: TokenMatrix) => number,
  ctx: Pick<MethodContext, "signal" | "progress">,
  options: ScoringOptions,
): Promise<Float64Array> {
  const scores = new Float64Array(docs.length);
  const pending = new Map<string, number[]>();
  let done = 0;
  docs.forEach((d, i) => {
    const hit = cache.get(d.key);
    if (hit) {
      scores[i] = score(hit);
      done++;
      return;
    }
    const same = pending.get(d.key);
    if (same) same.push(i);
    else pending.set(d.key, [i]);
  });
  if (done > 0) ctx.progress(done);
  if (pending.size === 0) return scores;

  const groups = [...pending.values()];
  const firsts = groups.map((g) => docs[g[0]]);
  const counted = groups.map((g) => g.length);
  await scoreInBatches(
    firsts.map((d) => d.ids.length),
    {
      tokenBudget: options.tokenBudget,
      maxBatchSize: options.maxBatchSize,
      signal: ctx.signal,
      progress: () => ctx.progress(done),
    },
    async (indices) => {
      const embeddings = await encoder.encode(indices.map((k) => firsts[k]));
      return indices.map((k, b) => {
        const m = embeddings[b];
        cache.set(firsts[k].key, m);
        const s = score(m);
        for (const i of groups[k]) scores[i] = s;
        done += counted[k];
        return s;
      });
    },
  );
  return scores;
}
