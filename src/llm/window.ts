import { InvalidInputError, ModelOutputError, throwIfAborted } from "../core/errors.js";

/** A half-open span `[start, end)` of positions in the current ranking. */
export interface WindowSpan {
  start: number;
  end: number;
}

export interface WindowOptions {
  /** Passages per model call (default 20). */
  windowSize: number;
  /** How far the window moves towards the front each time (default 10). */
  step: number;
  /** First position that may be reordered (default 0). */
  rankStart?: number;
  /** Positions `[rankStart, rankEnd)` are reordered; the rest keep their order (default: all). */
  rankEnd: number;
}

/**
 * The windows of rank_llm's back-to-front loop (listwise_rankllm.py `sliding_windows`). Unlike RankGPT's original
 * loop it always reaches the front: 45 documents, window 20, step 10 give [25,45), [15,35), [5,25), [0,15).
 * The window is clamped to the span, so a span shorter than the window is one call.
 */
export function windowSpans(options: WindowOptions): WindowSpan[] {
  const { step } = options;
  const rankStart = options.rankStart ?? 0;
  const rankEnd = options.rankEnd;
  if (!Number.isInteger(options.windowSize) || options.windowSize < 1) {
    throw new InvalidInputError(`windowSize must be a positive integer, got ${options.windowSize}`);
  }
  if (!Number.isInteger(step) || step < 1 || step > options.windowSize) {
    throw new InvalidInputError(
      `step must be an integer in 1..windowSize (${options.windowSize}), got ${step}`,
    );
  }
  if (rankEnd <= rankStart) return [];
  const window = Math.min(options.windowSize, rankEnd - rankStart);
  const spans: WindowSpan[] = [];
  let end = rankEnd;
  let start = end - window;
  while (end > rankStart && start + step !== rankStart) {
    start = Math.max(start, rankStart);
    spans.push({ start, end });
    end -= step;
    start -= step;
  }
  return spans;
}

/**
 * Reorder `order` (document indices, best first) window by window. `permute(indices)` receives the document
 * indices currently in the window and returns a permutation of window positions (0-based), best first.
 */
export async function slidingWindowRerank(
  order: readonly number[],
  options: WindowOptions,
  permute: (indices: number[], span: WindowSpan) => Promise<number[]>,
  signal?: AbortSignal,
): Promise<number[]> {
  const current = [...order];
  for (const span of windowSpans(options)) {
    throwIfAborted(signal);
    const indices = current.slice(span.start, span.end);
    const positions = await permute(indices, span);
    if (positions.length !== indices.length) {
      throw new ModelOutputError(
        `window permutation has ${positions.length} positions for ${indices.length} passages`,
      );
    }
    for (let k = 0; k < positions.length; k++) current[span.start + k] = indices[positions[k]];
  }
  return current;
}
