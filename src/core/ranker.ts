import {
  type DocId,
  type Document,
  type DocumentInput,
  type Metadata,
  normaliseDocuments,
  normaliseQuery,
} from "./documents.js";
import { InvalidInputError, ModelOutputError, throwIfAborted, UnsupportedOperationError } from "./errors.js";
import { RankedResults, Result, type ResultFlags } from "./results.js";

export interface Progress {
  /** Documents finished so far. */
  done: number;
  /** Documents in this call. */
  total: number;
}

export interface RankOptions {
  /** Return only the best k results (all by default). */
  topK?: number;
  /** Documents per model call (methods have sensible defaults). */
  batchSize?: number;
  /** Abort between batches / cancel in-flight requests. */
  signal?: AbortSignal;
  /** Called as documents are scored. */
  onProgress?: (progress: Progress) => void;
  /** Parallel ids, one per document. */
  docIds?: readonly DocId[];
  /** Parallel metadata, one per document. */
  metadata?: readonly (Metadata | undefined)[];
}

/** The one interface every method implements. */
export interface Ranker {
  readonly modelType: string;
  readonly model: string;
  /** Hosted provider name, or null for local methods. */
  readonly provider: string | null;
  /** Listwise methods order documents without per-document scores. */
  readonly listwise: boolean;
  rank(
    query: string,
    docs: readonly DocumentInput[] | DocumentInput,
    options?: RankOptions,
  ): Promise<RankedResults>;
  /** A real relevance score for one pair; listwise methods throw `UnsupportedOperationError`. */
  score(query: string, doc: DocumentInput, options?: Pick<RankOptions, "signal">): Promise<number>;
  /** Release sessions, workers and sockets. Safe to call twice. */
  close(): Promise<void>;
}

/** What the core hands to a method for one call. Documents are already validated and non-empty. */
export interface MethodContext {
  batchSize?: number;
  signal?: AbortSignal;
  /** The caller wants only this many results (hosted APIs may pass it on). */
  topK?: number;
  /** Report progress in documents. */
  progress: (done: number) => void;
}

/**
 * Pointwise output: one score per input document, in input order. A method may leave entries `undefined`
 * only when `topK` asked for fewer (hosted top_n) or when it flags them `unjudged`.
 */
export interface PointwiseOutput {
  scores: ArrayLike<number | undefined>;
  flags?: readonly (ResultFlags | undefined)[];
}

export interface PointwiseMethod {
  readonly kind: "pointwise";
  scoreDocuments(query: string, docs: readonly Document[], ctx: MethodContext): Promise<PointwiseOutput>;
  close?(): Promise<void>;
}

/** Listwise output: a permutation of input indices, best first, and optionally rank-derived scores. */
export interface ListwiseOutput {
  order: readonly number[];
  scores?: ArrayLike<number>;
}

export interface ListwiseMethod {
  readonly kind: "listwise";
  orderDocuments(query: string, docs: readonly Document[], ctx: MethodContext): Promise<ListwiseOutput>;
  close?(): Promise<void>;
}

export type Method = PointwiseMethod | ListwiseMethod;

export interface RankerIdentity {
  modelType: string;
  model: string;
  provider: string | null;
}

function checkTopK(topK: number | undefined): void {
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 0)) {
    throw new InvalidInputError(`topK must be a non-negative integer, got ${topK}`);
  }
}

function checkBatchSize(batchSize: number | undefined): void {
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    throw new InvalidInputError(`batchSize must be a positive integer, got ${batchSize}`);
  }
}

/** Sort indices by score descending; ties (and absent scores, last) keep input order. */
export function orderByScore(scores: ArrayLike<number | undefined>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    if (sa === undefined || sb === undefined)
      return (sa === undefined ? 1 : 0) - (sb === undefined ? 1 : 0) || a - b;
    return sb - sa || a - b;
  });
}

function checkPermutation(order: readonly number[], n: number): void {
  if (order.length !== n)
    throw new ModelOutputError(`listwise method returned ${order.length} positions for ${n} documents`);
  const seen = new Uint8Array(n);
  for (const i of order) {
    if (!Number.isInteger(i) || i < 0 || i >= n || seen[i]) {
      throw new ModelOutputError(`listwise method returned an invalid permutation (index ${i})`);
    }
    seen[i] = 1;
  }
}

/**
 * Turn a method into a `Ranker`: the one place that validates input, calls the method, checks its output
 * and builds `RankedResults` (every document exactly once, stable order, 1-based ranks, topK).
 */
export function createRanker(identity: RankerIdentity, method: Method): Ranker {
  const listwise = method.kind === "listwise";

  async function rank(
    query: string,
    docsInput: readonly DocumentInput[] | DocumentInput,
    options: RankOptions = {},
  ): Promise<RankedResults> {
    const q = normaliseQuery(query);
    const docs = normaliseDocuments(docsInput, { docIds: options.docIds, metadata: options.metadata });
    checkTopK(options.topK);
    checkBatchSize(options.batchSize);
    throwIfAborted(options.signal);
    const n = docs.length;
    if (n === 0) return new RankedResults(q, [], !listwise);

    const progress = (done: number) => options.onProgress?.({ done: Math.min(done, n), total: n });
    const ctx: MethodContext = {
      batchSize: options.batchSize,
      signal: options.signal,
      topK: options.topK,
      progress,
    };
    const keep = Math.min(options.topK ?? n, n);

    let order: number[];
    let scores: ArrayLike<number | undefined> | undefined;
    let flags: readonly (ResultFlags | undefined)[] | undefined;
    if (method.kind === "pointwise") {
      const out = await method.scoreDocuments(q, docs, ctx);
      scores = out.scores;
      flags = out.flags;
      if (scores.length !== n)
        throw new ModelOutputError(`method returned ${scores.length} scores for ${n} documents`);
      let present = 0;
      for (let i = 0; i < n; i++) {
        const s = scores[i];
        if (s === undefined) {
          if (!flags?.[i]?.unjudged && options.topK === undefined) {
            throw new ModelOutputError(`no score for document ${JSON.stringify(docs[i].docId)}`);
          }
          continue;
        }
        if (typeof s !== "number" || Number.isNaN(s)) {
          throw new ModelOutputError(`score for document ${JSON.stringify(docs[i].docId)} is not a number`);
        }
        present++;
      }
      if (present < keep && !flags?.some((f) => f?.unjudged)) {
        throw new ModelOutputError(`method returned ${present} scores but ${keep} results were asked for`);
      }
      order = orderByScore(scores);
      if (options.topK !== undefined)
        order = order.filter((i) => scores?.[i] !== undefined || flags?.[i]?.unjudged);
    } else {
      const out = await method.orderDocuments(q, docs, ctx);
      order = [...out.order];
      checkPermutation(order, n);
      scores = out.scores;
    }
    throwIfAborted(options.signal);
    progress(n);

    const results = order
      .slice(0, keep)
      .map((i, r) => new Result(docs[i], scores?.[i] ?? undefined, r + 1, flags?.[i] ?? {}));
    return new RankedResults(q, results, scores !== undefined);
  }

  async function score(
    query: string,
    doc: DocumentInput,
    options: Pick<RankOptions, "signal"> = {},
  ): Promise<number> {
    if (method.kind === "listwise") {
      throw new UnsupportedOperationError(
        `${identity.modelType} is a listwise method: it orders documents and has no pair score; use rank()`,
      );
    }
    const q = normaliseQuery(query);
    const docs = normaliseDocuments([doc]);
    throwIfAborted(options.signal);
    const out = await method.scoreDocuments(q, docs, { signal: options.signal, progress: () => {} });
    const s = out.scores[0];
    if (typeof s !== "number" || Number.isNaN(s)) {
      throw new ModelOutputError(`${identity.modelType} returned no score for this pair`);
    }
    return s;
  }

  let closed = false;
  return {
    ...identity,
    listwise,
    rank,
    score,
    async close() {
      if (closed) return;
      closed = true;
      await method.close?.();
    },
  };
}
