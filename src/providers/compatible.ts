// A generic Cohere/Jina-shaped rerank endpoint at any base URL: vLLM (`/v1/rerank`), Infinity, LocalAI,
// llama.cpp server (`--reranking`), and `rerankers serve`. Body `model`, `query`, `documents`, `top_n`,
// `return_documents`; response `results[]` (or `data[]`) with `index` and `relevance_score` (or `score`).
// Docs relied on: https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html (Re-rank API,
// Jina/Cohere compatible) and https://docs.cohere.com/v2/reference/rerank. The key is optional.
import { bearer, hostedFactory, type ProviderSpec, resultList } from "./hosted.js";

export const compatible: ProviderSpec = {
  name: "compatible",
  envKey: "RERANKERS_API_KEY",
  keyRequired: false,
  path: () => "/v1/rerank",
  maxDocumentsPerCall: 1000,
  headers: (key) => bearer(key),
  body: ({ model, query, texts, topN }) => ({
    // "default" (the family default) lets the server pick its only model
    ...(model === "default" ? {} : { model }),
    query,
    documents: texts,
    top_n: topN,
    return_documents: false,
  }),
  results: (body) => resultList("compatible", body, ["results", "data"], ["relevance_score", "score"]),
};

export const create = hostedFactory(compatible);
