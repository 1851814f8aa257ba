export { Document, normaliseDocuments, normaliseQuery } from "./core/documents.js";
export type { DocId, DocumentInput, DocumentJSON, Metadata, NormaliseOptions } from "./core/documents.js";
export {
  AbortedError,
  InvalidInputError,
  MissingDependencyError,
  ModelFilesError,
  ModelOutputError,
  NetworkError,
  NotImplementedError,
  ProviderError,
  RerankersError,
  UnknownModelError,
  UnsupportedOperationError,
} from "./core/errors.js";
export type { ErrorCode, ExitCode } from "./core/errors.js";
export { RankedResults, Result } from "./core/results.js";
export type { RankedResultsJSON, ResultFlags, ResultJSON } from "./core/results.js";
export { createRanker, orderByScore } from "./core/ranker.js";
export type {
  ListwiseMethod,
  ListwiseOutput,
  Method,
  MethodContext,
  PointwiseMethod,
  PointwiseOutput,
  Progress,
  RankOptions,
  Ranker,
  RankerIdentity,
} from "./core/ranker.js";
export { registerRanker, knownTypes } from "./core/registry.js";
export type { FactoryOptions, RankerFactory } from "./core/registry.js";
export { resolveModel } from "./core/resolve.js";
export type { ResolvedModel, ResolveOptions } from "./core/resolve.js";
export { Reranker } from "./core/reranker.js";
export type { RerankerOptions } from "./core/reranker.js";
