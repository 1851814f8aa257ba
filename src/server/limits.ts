/** Request limits; each can be set from `rerankers serve` flags. */
export interface ServerLimits {
  /** Largest request body in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Most documents in one request (413 beyond). */
  maxDocuments: number;
  /** Longest query in characters (422 beyond). */
  maxQueryChars: number;
  /** Longest document in characters (422 beyond). */
  maxDocumentChars: number;
  /** Requests ranked at the same time (inference is serial per model; keep small). */
  maxConcurrent: number;
  /** Requests waiting beyond `maxConcurrent`; more get 503 with Retry-After. */
  maxQueue: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDocuments: 1000,
  maxQueryChars: 8192,
  maxDocumentChars: 32_768,
  maxConcurrent: 4,
  maxQueue: 64,
};
