// Isaacus rerankings. Docs relied on: https://docs.isaacus.com/api-reference/rerankings/reranking
// (server https://api.isaacus.com/v1, POST /rerankings, Bearer key; `model`, `query`, `texts`, `top_n`;
// response `results[].index` / `score`, `usage.input_tokens`) and https://docs.isaacus.com/capabilities/reranking.
// The optional `is_iql`, `scoring_method` and `chunking_options` keep their server defaults (fields as in the
// official SDK generated from the spec, https://github.com/isaacus-dev/isaacus-python).
import { bearer, hostedFactory, type ProviderSpec, resultList } from "./hosted.js";

export const isaacus: ProviderSpec = {
  name: "isaacus",
  envKey: "ISAACUS_API_KEY",
  keyRequired: true,
  defaultBaseUrl: "https://api.isaacus.com",
  path: () => "/v1/rerankings",
  maxDocumentsPerCall: 1000,
  headers: (key) => bearer(key),
  body: ({ model, query, texts, topN }) => ({ model, query, texts, top_n: topN }),
  results: (body) => resultList("isaacus", body, ["results"], ["score"]),
};

export const create = hostedFactory(isaacus);
