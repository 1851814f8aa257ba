import { InvalidInputError, ModelOutputError, throwIfAborted } from "../core/errors.js";

export interface BatchOptions {
  /** Padded tokens per batch (longest length x count). A single longer item still forms its own batch. */
  tokenBudget?: number;
  /** At most this many items per batch. */
  maxBatchSize?: number;
  signal?: AbortSignal;
  /** Items finished so far. */
  progress?: (done: number) => void;
  /** Batches run at the same time (a data-parallel session's workers); default 1. */
  concurrency?: number;
}

/** Padded tokens per run where nothing more specific applies (causal LMs, ColBERT, seq2seq). */
export const DEFAULT_TOKEN_BUDGET = 2048;

/**
 * Padded tokens per run of an encoder classifier, per intra-op thread of its session. Measured on MiniLM-L6, fp32
 * and q8 (README, "Token budget"): 512 per thread beat 2048 by 8–14 % with one thread, and 1024 beat 2048 by
 * 3–4 % with two; smaller batches pad less (length-sorted: 3.9 % extra tokens at 1024, 8.5 % at 2048) and keep a
 * thread's share of the activations in its cache.
 */
export const TOKENS_PER_THREAD = 512;

export function encoderTokenBudget(threadsPerSession: number): number {
  return TOKENS_PER_THREAD * Math.max(1, threadsPerSession);
}

/** Indices sorted by length, longest first (ties keep input order), cut into batches under the budget. */
export function planBatches(
  lengths: readonly number[],
  tokenBudget: number,
  maxBatchSize: number,
): number[][] {
  const order = Array.from(lengths.keys()).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = Math.max(1, lengths[i]);
    const width = Math.max(longest, len);
    if (
      current.length > 0 &&
      (current.length >= maxBatchSize || width * (current.length + 1) > tokenBudget)
    ) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) longest = len;
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Sort items by length, cut into batches whose (longest length x count) fits the token budget, run them in that
 * order, and put the scores back in input order. Checks the signal between batches.
 */
export async function scoreInBatches(
  lengths: readonly number[],
  options: BatchOptions,
  run: (indices: number[]) => Promise<ArrayLike<number>>,
): Promise<Float64Array> {
  const budget = options.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
  const maxBatch = options.maxBatchSize ?? Number.POSITIVE_INFINITY;
  if (!(budget >= 1)) throw new InvalidInputError(`tokenBudget must be a positive number, got ${budget}`);
  if (!(maxBatch >= 1)) throw new InvalidInputError(`batch size must be a positive integer, got ${maxBatch}`);
  const scores = new Float64Array(lengths.length);
  const plan = planBatches(lengths, budget, maxBatch);
  let next = 0;
  let done = 0;
  let failed = false;
  const runner = async () => {
    while (next < plan.length && !failed) {
      throwIfAborted(options.signal);
      const batch = plan[next++];
      const out = await run(batch);
      if (out.length !== batch.length)
        throw new ModelOutputError(`model returned ${out.length} scores for a batch of ${batch.length}`);
      for (let k = 0; k < batch.length; k++) scores[batch[k]] = out[k];
      done += batch.length;
      options.progress?.(done);
    }
  };
  const runners = Math.max(1, Math.min(options.concurrency ?? 1, plan.length));
  await Promise.all(
    Array.from({ length: runners }, () =>
      runner().catch((e) => {
        failed = true;
        throw e;
      }),
    ),
  );
  throwIfAborted(options.signal);
  return scores;
}
