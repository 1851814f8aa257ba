// Cohere Rerank. Docs relied on: https://docs.cohere.com/v2/reference/rerank (v2, default),
// https://docs.cohere.com/changelog/rerank-v3.5 (v2: `model` required, `max_tokens_per_doc` replaces
// `max_chunks_per_doc`), https://docs.cohere.com/v2/docs/reranking-best-practices (≤ 10,000 documents;
// ≤ 1,000 recommended per call). Response: `results[].index` / `relevance_score`.
import { InvalidInputError } from "../core/errors.js";
import {
  bearer,
  type HostedOptions,
  hostedFactory,
  numberOption,
  type ProviderSpec,
  resultList,
  stringOption,
} from "./hosted.js";

function apiVersion(options: HostedOptions): "v1" | "v2" {
  const v = stringOption(options, "apiVersion") ?? "v2";
  if (v !== "v1" && v !== "v2")
    throw new InvalidInputError(`cohere apiVersion must be "v1" or "v2", got "${v}"`);
  return v;
}

export const cohere: ProviderSpec = {
  name: "cohere",
  envKey: "COHERE_API_KEY",
  keyRequired: true,
  defaultBaseUrl: "https://api.cohere.com",
  path: (o) => `/${apiVersion(o)}/rerank`,
  maxDocumentsPerCall: 1000,
  headers: (key) => bearer(key),
  body: ({ model, query, texts, topN, options }) => {
    const body: Record<string, unknown> = { model, query, documents: texts, top_n: topN };
    if (apiVersion(options) === "v2") {
      const maxTokens = numberOption(options, "maxTokensPerDoc", 1);
      if (maxTokens !== undefined) body.max_tokens_per_doc = maxTokens;
    } else {
      body.return_documents = false;
      const chunks = numberOption(options, "maxChunksPerDoc", 1);
      if (chunks !== undefined) body.max_chunks_per_doc = chunks;
    }
    return body;
  },
  results: (body) => resultList("cohere", body, ["results"], ["relevance_score"]),
};

export const create = hostedFactory(cohere);
