// Voyage AI reranker. Docs relied on: https://docs.voyageai.com/reference/reranker-api and
// https://docs.voyageai.com/docs/reranker (POST https://api.voyageai.com/v1/rerank; `query`, `documents`,
// `model`, `top_k`, `return_documents` (default false), `truncation` (default true); ≤ 1,000 documents;
// a total-token cap per call (query tokens x documents + document tokens); response `data[].index` /
// `relevance_score`).
import { bearer, booleanOption, hostedFactory, type ProviderSpec, resultList } from "./hosted.js";

export const voyage: ProviderSpec = {
  name: "voyage",
  envKey: "VOYAGE_API_KEY",
  keyRequired: true,
  defaultBaseUrl: "https://api.voyageai.com",
  path: () => "/v1/rerank",
  maxDocumentsPerCall: 1000,
  // The lowest documented cap (rerank-1 / rerank-lite-1 family: 100K-300K); raise with maxTokensPerCall.
  maxTokensPerCall: 100_000,
  headers: (key) => bearer(key),
  body: ({ model, query, texts, topN, options }) => {
    const body: Record<string, unknown> = {
      model,
      query,
      documents: texts,
      top_k: topN,
      return_documents: false,
    };
    const truncation = booleanOption(options, "truncation");
    if (truncation !== undefined) body.truncation = truncation;
    return body;
  },
  results: (body) => resultList("voyage", body, ["data"], ["relevance_score"]),
};

export const create = hostedFactory(voyage);
