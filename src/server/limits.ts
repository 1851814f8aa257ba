import type { Server } from "node:http";

/** Request limits; most can be set from `rerankers serve` flags. */
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
  /** A request body must arrive within this many ms of the handler starting to read it (408 beyond). */
  bodyTimeoutMs: number;
  /** Request headers must arrive within this many ms (Node closes the connection beyond). */
  headersTimeoutMs: number;
  /** Open connections; Node drops new ones beyond. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDocuments: 1000,
  maxQueryChars: 8192,
  maxDocumentChars: 32_768,
  maxConcurrent: 4,
  maxQueue: 64,
  bodyTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  maxConnections: 256,
};

/**
 * Options for `http.createServer` (or `serve({ serverOptions })` of @hono/node-server): header and whole-request
 * deadlines, checked every second instead of Node's default 30 s, so a slow client cannot hold a connection
 * for Node's default 300 s request timeout.
 */
export function nodeServerOptions(limits: Partial<ServerLimits> = {}) {
  const l = { ...DEFAULT_LIMITS, ...limits };
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.headersTimeoutMs + l.bodyTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, l.headersTimeoutMs),
  };
}

/** Apply the connection cap and deadlines to a created (or listening) Node HTTP server. */
export function applyServerLimits(server: Server, limits: Partial<ServerLimits> = {}): void {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const o = nodeServerOptions(l);
  server.maxConnections = l.maxConnections;
  server.headersTimeout = o.headersTimeout;
  server.requestTimeout = o.requestTimeout;
}
