import type { JSONObject, RerankingModelV3, RerankingModelV3CallOptions } from "@ai-sdk/provider";
import { InvalidInputError } from "../core/errors.js";
import type { Ranker } from "../core/ranker.js";
import { lazyRanker, type RankerSource, relevanceOf } from "./ranker-source.js";

export interface RerankingModelOptions {
  /** Text of an object document (default: its `text` field if it is a string, else its JSON). */
  documentText?: (document: Record<string, unknown>) => string;
  /**
   * Split larger calls into chunks of this many documents (pointwise methods only: their scores are comparable
   * across chunks). Listwise methods reject larger calls instead. A positive integer.
   */
  maxDocumentsPerCall?: number;
  /** Documents per model call inside the ranker (the method's default otherwise). A positive integer. */
  batchSize?: number;
  /** Model id reported to the AI SDK (default: the ranker's model). */
  modelId?: string;
}

/** A `RerankingModelV3` that also reports how many documents it takes per call (`undefined`: no limit). */
export type RerankersRerankingModel = RerankingModelV3 & { readonly maxDocumentsPerCall: number | undefined };

/** The per-call options read from `providerOptions.rerankers`. */
export interface RerankersCallOptions {
  /** Keep the best k documents; `topN` of `rerank()` does the same (if both are given they must agree). */
  topK?: number;
  batchSize?: number;
  maxDocumentsPerCall?: number;
}

const CALL_OPTION_KEYS = ["topK", "batchSize", "maxDocumentsPerCall"] as const;

function describe(value: unknown): string {
  return typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
}

/** `undefined` stays `undefined`; anything else must be a positive integer. */
export function positiveInteger(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidInputError(`${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** Validate `providerOptions.rerankers` (other providers' entries are not ours to read). */
export function readCallOptions(
  providerOptions: Record<string, JSONObject> | undefined,
): RerankersCallOptions {
  const raw = providerOptions?.rerankers;
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InvalidInputError(`providerOptions.rerankers must be an object, got ${describe(raw)}`);
  }
  for (const key of Object.keys(raw)) {
    if (!(CALL_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new InvalidInputError(
        `unknown option providerOptions.rerankers.${key}; known: ${CALL_OPTION_KEYS.join(", ")}`,
      );
    }
  }
  const out: RerankersCallOptions = {};
  for (const key of CALL_OPTION_KEYS) {
    const value = positiveInteger(`providerOptions.rerankers.${key}`, raw[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function topKOf(topN: number | undefined, topK: number | undefined): number | undefined {
  if (topN !== undefined && (!Number.isInteger(topN) || topN < 0)) {
    throw new InvalidInputError(`topN must be a non-negative integer, got ${describe(topN)}`);
  }
  if (topN !== undefined && topK !== undefined && topN !== topK) {
    throw new InvalidInputError(
      `topN (${topN}) and providerOptions.rerankers.topK (${topK}) disagree; give one`,
    );
  }
  return topN ?? topK;
}

/** Index chunks of at most `limit` documents (one chunk when there is no limit). */
function chunkIndices(count: number, limit: number | undefined): number[][] {
  const size = limit ?? Math.max(count, 1);
  const chunks: number[][] = [];
  for (let start = 0; start === 0 || start < count; start += size) {
    chunks.push(Array.from({ length: Math.min(size, count - start) }, (_, i) => start + i));
  }
  return chunks;
}

function defaultText(doc: Record<string, unknown>): string {
  return typeof doc.text === "string" ? doc.text : JSON.stringify(doc);
}

/**
 * Any reranker as a Vercel AI SDK reranking model (`RerankingModelV3`, accepted by ai 6 and ai 7):
 * `await rerank({ model: rerankingModel(ranker), query, documents })`. Per-call options go in
 * `providerOptions: { rerankers: { topK, batchSize, maxDocumentsPerCall } }`.
 */
export function rerankingModel(
  source: RankerSource,
  options: RerankingModelOptions = {},
): RerankersRerankingModel {
  const modelId = options.modelId ?? (typeof source === "string" ? source : source.model);
  return modelFromLoader(lazyRanker(source), modelId, options);
}

/** The reranking model over a ranker loader (called on every call; it memoises). Options are checked here. */
export function modelFromLoader(
  getRanker: () => Promise<Ranker>,
  modelId: string,
  options: Omit<RerankingModelOptions, "modelId">,
): RerankersRerankingModel {
  const maxDocumentsPerCall = positiveInteger("maxDocumentsPerCall", options.maxDocumentsPerCall);
  const batchSize = positiveInteger("batchSize", options.batchSize);
  const textOf = options.documentText ?? defaultText;

  return {
    specificationVersion: "v3",
    provider: "rerankers",
    modelId,
    maxDocumentsPerCall,
    async doRerank(call: RerankingModelV3CallOptions) {
      // Every option is checked before the model loads.
      const perCall = readCallOptions(call.providerOptions);
      const topK = topKOf(call.topN, perCall.topK);
      const limit = perCall.maxDocumentsPerCall ?? maxDocumentsPerCall;
      const ranker = await getRanker();
      const texts =
        call.documents.type === "text"
          ? call.documents.values
          : call.documents.values.map((v) => textOf(v as Record<string, unknown>));
      const chunks = chunkIndices(texts.length, limit);
      if (chunks.length > 1 && ranker.listwise) {
        throw new InvalidInputError(
          `${ranker.modelType} is listwise: it cannot merge ${chunks.length} chunks; pass at most ${limit} documents`,
        );
      }
      const ranking: { index: number; relevanceScore: number }[] = [];
      for (const chunk of chunks) {
        const results = await ranker.rank(
          call.query,
          chunk.map((i) => texts[i]),
          { docIds: chunk, topK, batchSize: perCall.batchSize ?? batchSize, signal: call.abortSignal },
        );
        for (const r of results) ranking.push({ index: r.docId as number, relevanceScore: relevanceOf(r) });
      }
      // Stable: ties keep input order across chunks too.
      ranking.sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index);
      return { ranking: topK === undefined ? ranking : ranking.slice(0, topK) };
    },
  };
}
