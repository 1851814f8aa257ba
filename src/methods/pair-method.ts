import { optInt } from "../core/options.js";
import type { PointwiseMethod } from "../core/ranker.js";

import type { PairClassifier, ScoreRow } from "../engine/pair-classifier.js";

/**
 * The pointwise method over a (query, document) pair classifier: `head` turns each row's logits into its score.
 * Reads the `batchSize` (max pairs per run) and `tokenBudget` options; closing the method closes the classifier.
 */
export function pairClassifierMethod(
  classifier: PairClassifier,
  options: Record<string, unknown>,
  head: ScoreRow,
): PointwiseMethod {
  const defaultBatch = optInt(options, "batchSize");
  const tokenBudget = optInt(options, "tokenBudget");
  return {
    kind: "pointwise",
    async scoreDocuments(query, docs, ctx) {
      const { scores, truncated } = await classifier.scorePairs(
        query,
        docs.map((d) => d.text),
        {
          tokenBudget,
          maxBatchSize: ctx.batchSize ?? defaultBatch,
          signal: ctx.signal,
          progress: ctx.progress,
        },
        head,
      );
      return { scores, flags: truncated.map((t) => (t ? { truncated: true } : undefined)) };
    },
    close: () => classifier.close(),
  };
}
