// Jina Reranker API. Docs relied on: https://jina.ai/reranker (API: POST https://api.jina.ai/v1/rerank,
// Bearer key; `model`, `query`, `documents`, `top_n`, `return_documents`; response
// `results[].index` / `relevance_score`, `usage.total_tokens`).
import { bearer, hostedFactory, type ProviderSpec, resultList } from "./hosted.js";

export const jina: ProviderSpec = {
  name: "jina",
  envKey: "JINA_API_KEY",
  keyRequired: true,
  defaultBaseUrl: "https://api.jina.ai",
  path: () => "/v1/rerank",
  maxDocumentsPerCall: 1000,
  headers: (key) => bearer(key),
  body: ({ model, query, texts, topN }) => ({
    model,
    query,
    documents: texts,
    top_n: topN,
    return_documents: false,
  }),
  results: (body) => resultList("jina", body, ["results"], ["relevance_score"]),
};

export const create = hostedFactory(jina);
