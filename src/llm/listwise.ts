import type { Document } from "../core/documents.js";
import { InvalidInputError } from "../core/errors.js";
import { optBool, optInt } from "../core/options.js";
import type { ListwiseMethod, MethodContext } from "../core/ranker.js";
import { parsePermutation } from "./permutation.js";
import type { ChatClient, ChatMessage } from "./types.js";
import { slidingWindowRerank, windowSpans } from "./window.js";

/** Sliding-window settings shared by rankgpt and rankllm. */
export interface ListwiseConfig {
  /** Passages per call (default 20; `batchSize` of a rank call overrides it). */
  windowSize: number;
  /** Window movement towards the front (default 10, rank_llm's `stride`). */
  step: number;
  /** Only the first `rankEnd` documents (in input order) are reordered; default (or 0): all. */
  rankEnd?: number;
  /** Give each result the score `1 / rank` (otherwise listwise results have no score). */
  rankScores: boolean;
}

export function readListwiseConfig(options: Readonly<Record<string, unknown>>): ListwiseConfig {
  const windowSize = optInt(options, "windowSize", 1) ?? 20;
  const step = optInt(options, "step", 1) ?? optInt(options, "stride", 1) ?? Math.min(10, windowSize);
  if (step > windowSize) {
    throw new InvalidInputError(
      `step (${step}) must not exceed windowSize (${windowSize}): documents would be skipped`,
    );
  }
  // rank_llm's convention: rankEnd 0 means every document.
  const rankEnd = optInt(options, "rankEnd", 0) || undefined;
  return { windowSize, step, rankEnd, rankScores: optBool(options, "rankScores") ?? false };
}

/** Builds the conversation for one window: the query and the texts of the passages in the window, in order. */
export type WindowPrompt = (query: string, passages: string[]) => ChatMessage[];

/**
 * A listwise method: the first `rankEnd` documents are reordered by the model window by window, back to front;
 * the rest keep their input order after them. Documents are tracked by index, never by text.
 */
export function slidingWindowMethod(
  client: ChatClient,
  config: ListwiseConfig,
  prompt: WindowPrompt,
): ListwiseMethod {
  return {
    kind: "listwise",
    async orderDocuments(query: string, docs: readonly Document[], ctx: MethodContext) {
      const n = docs.length;
      const windowSize = ctx.batchSize ?? config.windowSize;
      const options = {
        windowSize,
        step: Math.min(config.step, windowSize),
        rankEnd: Math.min(config.rankEnd ?? n, n),
      };
      const total = windowSpans(options).length;
      let done = 0;
      const identity = Array.from({ length: n }, (_, i) => i);
      const order = await slidingWindowRerank(
        identity,
        options,
        async (indices) => {
          let positions: number[];
          if (indices.length < 2) positions = indices.map((_, k) => k);
          else {
            const reply = await client.complete(
              prompt(
                query,
                indices.map((i) => docs[i].text),
              ),
              { signal: ctx.signal },
            );
            positions = parsePermutation(reply.content, indices.length);
          }
          done++;
          ctx.progress(Math.floor((n * done) / total));
          return positions;
        },
        ctx.signal,
      );
      if (!config.rankScores) return { order };
      const scores = new Float64Array(n);
      order.forEach((docIndex, r) => {
        scores[docIndex] = 1 / (r + 1);
      });
      return { order, scores };
    },
  };
}
