import type { Ranker } from "../core/ranker.js";
import { type HostedOptions, hostedFactory, type ProviderSpec } from "../providers/hosted.js";

/**
 * A hosted reranking API (`cohere`, `jina`, `voyage`, ... from this module) over the browser's fetch. Pass
 * `apiKey` in the options: there is no environment to read it from. Most APIs refuse calls from a web page
 * (CORS) or should not see a user's key; a `baseUrl` pointing at your own proxy is the usual set-up.
 */
export function hostedRanker(
  spec: ProviderSpec,
  model: string,
  options: HostedOptions = {},
): Promise<Ranker> {
  return hostedFactory(spec)({ ...options, modelType: spec.name, model, provider: spec.name, lang: "en" });
}
