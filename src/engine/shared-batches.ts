import { AbortedError, ModelOutputError } from "../core/errors.js";
import { DEFAULT_TOKEN_BUDGET, planBatches } from "./batching.js";

interface Pending<T> {
  item: T;
  length: number;
  request: Request;
  index: number;
}

interface Request {
  scores: Float64Array;
  remaining: number;
  done: number;
  progress?: (done: number) => void;
  resolve: (scores: Float64Array) => void;
  reject: (err: unknown) => void;
  failed: boolean;
}

export interface SharedBatcherOptions {
  tokenBudget?: number;
  maxBatchSize?: number;
  /** Batches run at the same time (the session's data-parallel workers); default 1. */
  concurrency?: number;
}

/**
 * Dynamic batching across concurrent callers of one model: while a batch runs, new requests queue; the next
 * batch is planned over every waiting item (longest first, under the token budget), so items from several
 * requests share a batch. With `concurrency` 1 a lone caller gets exactly the batches `scoreInBatches` would give
 * it. With `concurrency` N, up to N batches are in flight; each next one is planned when a slot frees, over at most
 * an equal share of what is waiting per free slot.
 */
export class SharedBatcher<T> {
  readonly #run: (items: T[]) => Promise<ArrayLike<number>>;
  readonly #budget: number;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  #queue: Pending<T>[] = [];
  #inFlight = 0;

  constructor(run: (items: T[]) => Promise<ArrayLike<number>>, options: SharedBatcherOptions = {}) {
    this.#run = run;
    this.#budget = options.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
    this.#maxBatch = options.maxBatchSize ?? Number.POSITIVE_INFINITY;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** Items waiting to run, over all callers. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Score `items` (with their token lengths); resolves with scores in input order. */
  score(
    items: readonly T[],
    lengths: readonly number[],
    options: { signal?: AbortSignal; progress?: (done: number) => void } = {},
  ): Promise<Float64Array> {
    if (options.signal?.aborted)
      return Promise.reject(new AbortedError("ranking was aborted", { cause: options.signal.reason }));
    if (items.length === 0) return Promise.resolve(new Float64Array(0));
    return new Promise<Float64Array>((resolve, reject) => {
      const request: Request = {
        scores: new Float64Array(items.length),
        remaining: items.length,
        done: 0,
        progress: options.progress,
        resolve,
        reject,
        failed: false,
      };
      items.forEach((item, index) => {
        this.#queue.push({ item, length: lengths[index], request, index });
      });
      options.signal?.addEventListener(
        "abort",
        () => this.#fail(request, new AbortedError("ranking was aborted", { cause: options.signal?.reason })),
        { once: true },
      );
      this.#pump();
    });
  }

  #fail(request: Request, err: unknown): void {
    if (request.failed || request.remaining === 0) return;
    request.failed = true;
    this.#queue = this.#queue.filter((p) => p.request !== request);
    request.reject(err);
  }

  /** Start batches while there are free slots and waiting items. */
  #pump(): void {
    while (this.#inFlight < this.#concurrency && this.#queue.length > 0) {
      const queue = this.#queue;
      const lengths = queue.map((p) => p.length);
      const [first] = planBatches(lengths, this.#spreadBudget(lengths), this.#maxBatch);
      const taken = new Set(first);
      this.#queue = queue.filter((_, i) => !taken.has(i));
      this.#inFlight++;
      void this.#runBatch(first.map((i) => queue[i])).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  /**
   * With several free sessions, what is waiting is spread over them (no batch larger than its share), so that a
   * lone small request keeps every core busy instead of one; the budget still caps each batch.
   */
  #spreadBudget(lengths: readonly number[]): number {
    const free = this.#concurrency - this.#inFlight;
    if (free <= 1) return this.#budget;
    let longest = 0;
    for (const l of lengths) longest = Math.max(longest, l);
    // Longest first, so the first batch is at most its share of the items at the longest length.
    return Math.min(this.#budget, longest * Math.ceil(lengths.length / free));
  }

  async #runBatch(batch: Pending<T>[]): Promise<void> {
    let out: ArrayLike<number>;
    try {
      out = await this.#run(batch.map((p) => p.item));
      if (out.length !== batch.length) {
        throw new ModelOutputError(`model returned ${out.length} scores for a batch of ${batch.length}`);
      }
    } catch (err) {
      for (const p of batch) this.#fail(p.request, err);
      return;
    }
    batch.forEach((p, k) => {
      const r = p.request;
      if (r.failed) return;
      r.scores[p.index] = out[k];
      r.remaining--;
      r.done++;
      r.progress?.(r.done);
      if (r.remaining === 0) r.resolve(r.scores);
    });
  }
}
