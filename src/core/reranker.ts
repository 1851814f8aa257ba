import type { Ranker } from "./ranker.js";
import { loadFactory } from "./registry.js";
import { type ResolveOptions, resolveModel } from "./resolve.js";

export interface RerankerOptions extends ResolveOptions {
  /** Backend options (dtype, baseUrl, apiKey, batchSize, …), passed to the method's factory. */
  [option: string]: unknown;
}

/**
 * The one-call factory: `await Reranker("cross-encoder/ms-marco-MiniLM-L-6-v2")`,
 * `await Reranker("cohere:rerank-v3.5")`, `await Reranker("colbert", { lang: "ja" })`.
 */
export async function Reranker(name: string, options: RerankerOptions = {}): Promise<Ranker> {
  const { modelType, lang, ...backendOptions } = options;
  const resolved = resolveModel(name, { modelType, lang });
  const factory = await loadFactory(resolved.modelType);
  return factory({ ...backendOptions, ...resolved, lang: (lang ?? "en").toLowerCase() });
}
