/**
 * `rerankers/browser`: local cross-encoders on onnxruntime-web (WASM SIMD + threads, WebGPU where present) and
 * the hosted APIs over fetch, without any Node built-in. onnxruntime-web (optional peer dependency) and
 * @huggingface/tokenizers are imported on first use.
 */
export type { DocId, DocumentInput, DocumentJSON, Metadata } from "../core/documents.js";
export { Document } from "../core/documents.js";
export type { ErrorCode, ExitCode } from "../core/errors.js";
export {
  AbortedError,
  InvalidInputError,
  MissingDependencyError,
  ModelFilesError,
  ModelOutputError,
  NetworkError,
  ProviderError,
  RerankersError,
  UnsupportedOperationError,
} from "../core/errors.js";
export type { Progress, Ranker, RankOptions } from "../core/ranker.js";
export type { RankedResultsJSON, ResultFlags, ResultJSON } from "../core/results.js";
export { RankedResults, Result } from "../core/results.js";
export { cohere } from "../providers/cohere.js";
export { compatible } from "../providers/compatible.js";
export type { HostedOptions, ProviderSpec } from "../providers/hosted.js";
export { isaacus } from "../providers/isaacus.js";
export { jina } from "../providers/jina.js";
export { mixedbread } from "../providers/mixedbread.js";
export { pinecone } from "../providers/pinecone.js";
export { tei } from "../providers/tei.js";
export { voyage } from "../providers/voyage.js";
export type { BrowserCrossEncoderOptions, BrowserRanker } from "./cross-encoder.js";
export { loadCrossEncoder } from "./cross-encoder.js";
export type { FetchFilesOptions, FetchLike } from "./fetch-files.js";
export { type ModelUrlOptions, modelBaseUrl } from "./model-url.js";
export type { BrowserSession, Device, OrtWebOptions } from "./ort-web.js";
export { hostedRanker } from "./providers.js";
