export type { ChunkingOptions } from "./compose/chunking.js";
export { withChunking } from "./compose/chunking.js";
export type { FusionOptions, FusionSource } from "./compose/fusion.js";
export { fuse } from "./compose/fusion.js";
export type { DocId, DocumentInput, DocumentJSON, Metadata, NormaliseOptions } from "./core/documents.js";
export { Document, normaliseDocuments, normaliseQuery } from "./core/documents.js";
export type { ErrorCode, ExitCode } from "./core/errors.js";
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
export type {
  AnyBackendOptions,
  BackendOptionsFor,
  CustomRerankerOptions,
  DownloadProgressEvent,
  DtypeName,
  FamilyName,
  ModelType,
} from "./core/option-specs.js";
export type {
  ListwiseMethod,
  ListwiseOutput,
  Method,
  MethodContext,
  PointwiseMethod,
  PointwiseOutput,
  Progress,
  Ranker,
  RankerIdentity,
  RankOptions,
} from "./core/ranker.js";
export { createRanker, orderByScore } from "./core/ranker.js";
export type { FactoryOptions, RankerFactory } from "./core/registry.js";
export { knownTypes, registerRanker } from "./core/registry.js";
export type { RerankerOptions, RerankerOptionsFor } from "./core/reranker.js";
export { Reranker } from "./core/reranker.js";
export type { ResolvedModel, ResolveOptions } from "./core/resolve.js";
export { resolveModel } from "./core/resolve.js";
export type { RankedResultsJSON, ResultFlags, ResultJSON } from "./core/results.js";
export { RankedResults, Result } from "./core/results.js";
