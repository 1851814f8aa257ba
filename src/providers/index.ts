/** Public exports of `rerankers/providers`: the shared HTTP layer, the hosted ranker plumbing and each provider's spec. */

export { cohere } from "./cohere.js";
export { compatible } from "./compatible.js";
export {
  type CallInput,
  DEFAULT_MAX_CONCURRENCY,
  type HostedOptions,
  hostedFactory,
  hostedMethod,
  joinUrl,
  type ProviderSpec,
  planBatches,
  type RawResult,
  resolveApiKey,
  validateResults,
} from "./hosted.js";
export {
  backoffDelay,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type HttpRequest,
  type HttpResponse,
  isRetryableStatus,
  parseRetryAfter,
  type RetryEvent,
  type RetryPolicy,
  redact,
  requestIdOf,
  requestJson,
  serverMessage,
} from "./http.js";
export { isaacus } from "./isaacus.js";
export { jina } from "./jina.js";
export { mixedbread } from "./mixedbread.js";
export { PINECONE_API_VERSION, pinecone } from "./pinecone.js";
export { tei } from "./tei.js";
export { voyage } from "./voyage.js";
