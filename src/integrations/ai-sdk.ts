import type { RerankingModelV3, RerankingModelV3CallOptions } from "@ai-sdk/provider";
import { InvalidInputError } from "../core/errors.js";
import { lazyRanker, type RankerSource, relevanceOf } from "./ranker-source.js";

export interface RerankingModelOptions {
  /** Text of an object document (default: its `text` field if it is a string, else its JSON). */
  documentText?: (document: Record<string, unknown>) => string;
  /**
   * Split larger calls into chunks of this many documents (pointwise methods only: their scores are comparable
   * across chunks). Listwise methods reject larger calls instead.
   */
  maxDocumentsPerCall?: number;
  /** Model id reported to the AI SDK (default: the ranker's model). */
  modelId?: string;
}

function defaultText(doc: Record<string, unknown>): string {
  return typeof doc.text === "string" ? doc.text : JSON.stringify(doc);
}

/**
 * Any reranker as a Vercel AI SDK reranking model (`RerankingModelV3`, accepted by ai 6 and ai 7):
 * `await rerank({ model: rerankingModel(ranker), query, documents })`.
 */
export function rerankingModel(
  source: RankerSource,
  options: RerankingModelOptions = {},
): RerankingModelV3 & { readonly maxDocumentsPerCall: number | undefined } {
  const getRanker = lazyRanker(source);
  const textOf = options.documentText ?? defaultText;
  const modelId = options.modelId ?? (typeof source === "string" ? source : source.model);

  return {
    specificationVersion: "v3",
    provider: "rerankers",
    modelId,
    maxDocumentsPerCall: options.maxDocumentsPerCall,
    async doRerank(call: RerankingModelV3CallOptions) {
      const ranker = await getRanker();
      const texts =
        call.documents.type === "text"
          ? call.documents.values
          : call.documents.values.map((v) => textOf(v as Record<string, unknown>));
      const limit = options.maxDocumentsPerCall;
      const chunks: number[][] = [];
      for (let start = 0; start < texts.length; start += limit ?? Math.max(texts.length, 1)) {
        chunks.push(texts.slice(start, start + (limit ?? texts.length)).map((_, i) => start + i));
      }
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
          { docIds: chunk, topK: call.topN, signal: call.abortSignal },
        );
        for (const r of results) ranking.push({ index: r.docId as number, relevanceScore: relevanceOf(r) });
      }
      // Stable: ties keep input order across chunks too.
      ranking.sort((a, b) => b.relevanceScore - a.relevanceScore || a.index - b.index);
      return { ranking: call.topN === undefined ? ranking : ranking.slice(0, call.topN) };
    },
  };
}
