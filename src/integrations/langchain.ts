import { type DocumentInterface, Document as LangChainDocument } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { lazyRanker, type RankerSource, relevanceOf } from "./ranker-source.js";

export interface RerankersCompressorOptions {
  /** A ranker from `Reranker()`, or a model name loaded on first use. */
  ranker: RankerSource;
  /** Keep only the best k documents (all by default). */
  topK?: number;
}

/**
 * A LangChain.js document compressor: reranks retrieved documents and keeps the best `topK`.
 * Returns new documents (the inputs are never mutated) with `metadata.relevanceScore`.
 */
export class RerankersCompressor extends BaseDocumentCompressor {
  readonly topK: number | undefined;
  readonly #ranker: ReturnType<typeof lazyRanker>;

  constructor(options: RerankersCompressorOptions) {
    super();
    this.topK = options.topK;
    this.#ranker = lazyRanker(options.ranker);
  }

  /** Cohere-style: `{ index, relevanceScore }` in rank order, indices into `documents`. */
  async rerank(
    documents: (DocumentInterface | string)[],
    query: string,
    options: { topN?: number; signal?: AbortSignal } = {},
  ): Promise<{ index: number; relevanceScore: number }[]> {
    const ranker = await this.#ranker();
    const texts = documents.map((d) => (typeof d === "string" ? d : d.pageContent));
    const results = await ranker.rank(query, texts, { topK: options.topN, signal: options.signal });
    return results.results.map((r) => ({ index: r.docId as number, relevanceScore: relevanceOf(r) }));
  }

  async compressDocuments(documents: DocumentInterface[], query: string): Promise<DocumentInterface[]> {
    const ranking = await this.rerank(documents, query, { topN: this.topK });
    return ranking.map(({ index, relevanceScore }) => {
      const original = documents[index];
      return new LangChainDocument({
        pageContent: original.pageContent,
        metadata: { ...original.metadata, relevanceScore },
        id: original.id,
      });
    });
  }
}
