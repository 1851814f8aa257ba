import { optBool } from "../core/options.js";
import type { ScoreRow } from "../engine/pair-classifier.js";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The cross-encoder score of one logits row (Python `TransformerRanker`): one-logit head -> the raw logit;
 * two-logit head -> logit[1] - logit[0]. The `sigmoid` (or `normalize`) option maps either to (0, 1).
 * Shared by the Node method and the browser build.
 */
export function crossEncoderHead(options: Readonly<Record<string, unknown>>): ScoreRow {
  const squash = optBool(options, "sigmoid") ?? optBool(options, "normalize") ?? false;
  return (logits, o, labels) => {
    const raw = labels === 2 ? logits[o + 1] - logits[o] : logits[o];
    return squash ? sigmoid(raw) : raw;
  };
}
