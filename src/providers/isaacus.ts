// Isaacus rerankings. Docs relied on: https://docs.isaacus.com/api-reference/rerankings/reranking
// (server https://api.isaacus.com/v1, POST /rerankings, Bearer key; `model`, `query`, `texts`, `top_n`;
// response `results[].index` / `score`) and https://docs.isaacus.com/capabilities/reranking.
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
