// Hugging Face text-embeddings-inference. Docs relied on: https://huggingface.github.io/text-embeddings-inference/
// (POST {url}/rerank; `query`, `texts`, `raw_scores` (default false), `return_text`, `truncate` (default
// false), `truncation_direction` ("Left" | "Right"); response: a top-level array of `{index, score}`).
// The server serves one model (no `model` field) and rejects more than `--max-client-batch-size` texts
// per request (default 32), so that is our default batch.
import {
  bearer,
  booleanOption,
  hostedFactory,
  type ProviderSpec,
  resultList,
  stringOption,
} from "./hosted.js";

export const tei: ProviderSpec = {
  name: "text-embeddings-inference",
  envKey: "TEI_API_KEY",
  keyRequired: false,
  path: () => "/rerank",
  maxDocumentsPerCall: 32,
  headers: (key) => bearer(key),
  body: ({ query, texts, options }) => {
    const body: Record<string, unknown> = { query, texts, return_text: false };
    const raw = booleanOption(options, "rawScores");
    if (raw !== undefined) body.raw_scores = raw;
    const truncate = booleanOption(options, "truncate");
    if (truncate !== undefined) body.truncate = truncate;
    const direction = stringOption(options, "truncationDirection");
    if (direction !== undefined) body.truncation_direction = direction;
    return body;
  },
  results: (body) => resultList("text-embeddings-inference", body, [], ["score"]),
};

export const create = hostedFactory(tei);
