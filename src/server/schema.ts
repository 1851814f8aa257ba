import { z } from "zod";

/** Cohere/Jina-compatible rerank request (`/v1/rerank`, `/v2/rerank`). */
export const RerankRequest = z.object({
  model: z.string().min(1).optional(),
  query: z.string().min(1, "query must not be empty"),
  documents: z.array(z.union([z.string(), z.object({ text: z.string() }).passthrough()])),
  top_n: z.number().int().min(0).optional(),
  return_documents: z.boolean().optional(),
  // Fields other clients send that we accept and ignore.
  max_tokens_per_doc: z.number().int().positive().optional(),
  rank_fields: z.array(z.string()).optional(),
});

export type RerankRequest = z.infer<typeof RerankRequest>;

export interface RerankResponse {
  id: string;
  model: string;
  results: { index: number; relevance_score: number; document?: { text: string } }[];
  meta: { billed_units: { search_units: number } };
}
