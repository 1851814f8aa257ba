import { builtInSpec } from "../core/option-specs.js";
import { familyKind } from "../core/registry.js";
import type { ResolvedModel } from "../core/resolve.js";
import { llmEndpoint } from "../llm/config.js";

export interface ResolvedView {
  /** local | hosted | llm | unavailable, or "custom" for your own families. */
  runs: string;
  /** Where requests go (hosted APIs and LLM rankers); null for local methods. */
  endpoint: string | null;
  /** The `provider:` line of `rerankers resolve`. */
  provider: string;
}

/** What `rerankers resolve` shows beyond `resolveModel`: where the model runs. */
export function describeResolved(resolved: ResolvedModel, baseUrl: string | undefined): ResolvedView {
  const kind = familyKind(resolved.modelType);
  if (kind === "llm") {
    const endpoint = llmEndpoint(baseUrl, builtInSpec(resolved.modelType)?.endpoint);
    return { runs: "llm", endpoint, provider: `OpenAI-compatible chat API at ${endpoint}` };
  }
  if (kind === "hosted" || resolved.provider !== null) {
    return { runs: "hosted", endpoint: baseUrl ?? null, provider: resolved.provider ?? resolved.modelType };
  }
  if (kind === "unavailable") {
    return { runs: "unavailable", endpoint: null, provider: "(not available here)" };
  }
  return { runs: kind ?? "custom", endpoint: null, provider: "(local)" };
}
