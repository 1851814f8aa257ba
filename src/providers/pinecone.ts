// Pinecone Inference rerank. Docs relied on: https://docs.pinecone.io/reference/api/2025-10/inference/rerank
// (POST https://api.pinecone.io/rerank; `Api-Key` header; `model`, `query`, `documents` as objects,
// `rank_fields` (default ["text"]), `top_n`, `return_documents`, `parameters` e.g. {"truncate": "END"};
// response `data[].index` / `score`, optional `data[].document`), the same schema in the 2026-07 spec
// (https://docs.pinecone.io/reference/api/2026-07/inference/rerank-results), and
// https://docs.pinecone.io/reference/api/versioning (the `X-Pinecone-Api-Version` header; requests without it
// fall back to the oldest supported stable version). 2025-10 is the stable version those pages and the
// official SDKs use; the header is required by every spec, so we always send one (override: `apiVersion`).
// Hosted models accept at most 100 documents per request (bge-reranker-v2-m3, pinecone-rerank-v0).
import { hostedFactory, type ProviderSpec, resultList, stringOption } from "./hosted.js";

/** The API version sent by default; override with the `apiVersion` option. */
export const PINECONE_API_VERSION = "2025-10";

export const pinecone: ProviderSpec = {
  name: "pinecone",
  envKey: "PINECONE_API_KEY",
  keyRequired: true,
  defaultBaseUrl: "https://api.pinecone.io",
  path: () => "/rerank",
  maxDocumentsPerCall: 100,
  headers: (key, options) => ({
    ...(key ? { "Api-Key": key } : {}),
    "X-Pinecone-Api-Version": stringOption(options, "apiVersion") ?? PINECONE_API_VERSION,
  }),
  body: ({ model, query, texts, topN, options }) => {
    const body: Record<string, unknown> = {
      model,
      query,
      documents: texts.map((text) => ({ text })),
      rank_fields: ["text"],
      top_n: topN,
      return_documents: false,
    };
    const truncate = stringOption(options, "truncate");
    if (truncate !== undefined) body.parameters = { truncate };
    return body;
  },
  results: (body) => resultList("pinecone", body, ["data"], ["score"]),
};

export const create = hostedFactory(pinecone);
