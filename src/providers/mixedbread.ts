// Mixedbread reranking. Docs relied on: https://mixedbread.com/api-reference/endpoints/reranking
// (POST /v1/reranking, Bearer key; `model`, `query`, `input` (string[] | object[]), `rank_fields`, `top_k`,
// `return_input`; response `data[].index` / `score`, `data[].input` null unless `return_input`) with the current
// host https://api.mixedbread.com. Host, path, Bearer auth and both shapes match the official SDK generated from
// the OpenAPI spec (https://github.com/mixedbread-ai/mixedbread-ts: `rerank()` posts to `/v1/reranking`).
import { bearer, hostedFactory, type ProviderSpec, resultList } from "./hosted.js";

export const mixedbread: ProviderSpec = {
  name: "mixedbread.ai",
  envKey: "MXBAI_API_KEY",
  keyRequired: true,
  defaultBaseUrl: "https://api.mixedbread.com",
  path: () => "/v1/reranking",
  maxDocumentsPerCall: 1000,
  headers: (key) => bearer(key),
  body: ({ model, query, texts, topN }) => ({ model, query, input: texts, top_k: topN, return_input: false }),
  results: (body) => resultList("mixedbread.ai", body, ["data"], ["score"]),
};

export const create = hostedFactory(mixedbread);
