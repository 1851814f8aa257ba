/**
 * The one HTTP layer every hosted API goes through (reranking providers and the LLM chat client).
 * `fetch` only. Per-attempt timeout, retries with exponential backoff + full jitter on 408/429/5xx and
 * network errors (honouring a capped `Retry-After`), cancellation through the caller's signal, and typed
 * errors that never carry an API key, a request header or a request body.
 */
import { AbortedError, ProviderError } from "../core/errors.js";

export interface RetryPolicy {
  /** First backoff step in ms (default 500); attempt n waits a random time in [0, min(max, base * 2^n)]. */
  baseDelayMs?: number;
  /** Longest backoff step in ms (default 20 000). */
  maxDelayMs?: number;
  /** Longest wait honoured from a `Retry-After` header in ms (default 60 000). */
  maxRetryAfterMs?: number;
}

/** What the layer reports before each retry; contains no header, no body and no secret. */
export interface RetryEvent {
  provider: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  status?: number;
  reason: string;
}

export interface HttpRequest {
  /** Provider name used in errors, e.g. "cohere". */
  provider: string;
  url: string;
  method?: "POST" | "GET";
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Per attempt, including reading the body (default 60 000 ms). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  signal?: AbortSignal;
  /** Values (API keys) redacted from every message this layer produces. */
  secrets?: readonly string[];
  retry?: RetryPolicy;
  onRetry?: (event: RetryEvent) => void;
}

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  requestId?: string;
  attempts: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_BASE_DELAY_MS = 500;
const DEFAULT_MAX_DELAY_MS = 20_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
const MAX_SERVER_MESSAGE = 200;

const REQUEST_ID_HEADERS = [
  "x-request-id",
  "request-id",
  "x-amzn-requestid",
  "x-amz-request-id",
  "cf-ray",
  "x-cloud-trace-context",
  "x-trace-id",
  "x-pinecone-request-id",
];

/** Replace every secret (and its URL-encoded form) with `[redacted]`. */
export function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) {
    if (!s) continue;
    out = out.split(s).join("[redacted]");
    const enc = encodeURIComponent(s);
    if (enc !== s) out = out.split(enc).join("[redacted]");
  }
  return out;
}

export function requestIdOf(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const v = headers.get(name);
    if (v) return v.slice(0, 100);
  }
  return undefined;
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or undefined when absent/invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full-jitter exponential backoff for retry number `retry` (0-based). */
export function backoffDelay(retry: number, policy: RetryPolicy = {}, random = Math.random): number {
  const base = policy.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  return Math.round(random() * Math.min(max, base * 2 ** retry));
}

/** A short, one-line message from an error body: `message`, `error.message`, `error`, `detail`, or the text. */
export function serverMessage(text: string): string {
  let msg = text;
  try {
    const j = JSON.parse(text) as unknown;
    if (j && typeof j === "object") {
      const o = j as Record<string, unknown>;
      const err = o.error;
      const cand =
        (typeof o.message === "string" && o.message) ||
        (err && typeof err === "object" && typeof (err as Record<string, unknown>).message === "string"
          ? ((err as Record<string, unknown>).message as string)
          : undefined) ||
        (typeof err === "string" && err) ||
        (typeof o.detail === "string" && o.detail) ||
        (o.detail !== undefined && JSON.stringify(o.detail)) ||
        undefined;
      if (cand) msg = cand;
    }
  } catch {
    // not JSON: keep the text
  }
  msg = msg.replace(/\s+/g, " ").trim();
  return msg.length > MAX_SERVER_MESSAGE ? `${msg.slice(0, MAX_SERVER_MESSAGE)}…` : msg;
}

/** The URL as errors show it: no credentials, no query string (either may carry a key). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "the endpoint";
  }
}

function aborted(signal: AbortSignal): AbortedError {
  return new AbortedError("request was aborted", { cause: signal.reason });
}

/** Sleep that the signal interrupts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(aborted(signal)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

type Attempt =
  | { kind: "ok"; status: number; text: string; headers: Headers }
  | { kind: "http"; status: number; text: string; headers: Headers }
  | { kind: "timeout" }
  | { kind: "network"; reason: string };

async function attemptOnce(req: HttpRequest, init: RequestInit, timeoutMs: number): Promise<Attempt> {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, timeoutMs);
  const onAbort = () => ctrl.abort();
  req.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const res = await fetch(req.url, { ...init, signal: ctrl.signal });
    const text = await res.text();
    return { kind: res.ok ? "ok" : "http", status: res.status, text, headers: res.headers };
  } catch (err) {
    if (req.signal?.aborted) throw aborted(req.signal);
    if (timedOut) return { kind: "timeout" };
    const e = err as { message?: string; cause?: { code?: string; message?: string } };
    const reason = e.cause?.code ?? e.cause?.message ?? e.message ?? "network error";
    return { kind: "network", reason: String(reason) };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Send one JSON request with retries. Resolves with the parsed body of a 2xx answer; rejects with
 * `ProviderError` (HTTP error, timeout, network failure, malformed JSON) or `AbortedError`.
 */
export async function requestJson<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
  const { provider, secrets } = req;
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = req.maxRetries ?? DEFAULT_MAX_RETRIES;
  const policy = req.retry ?? {};
  const maxRetryAfter = policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const init: RequestInit = {
    method: req.method ?? (req.body === undefined ? "GET" : "POST"),
    headers: {
      accept: "application/json",
      ...(req.body !== undefined ? { "content-type": "application/json" } : {}),
      ...req.headers,
    },
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
  };
  const fail = (message: string, o: { status?: number; requestId?: string; retryable?: boolean } = {}) =>
    new ProviderError(provider, redact(message, secrets), o);

  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw aborted(req.signal);
    const r = await attemptOnce(req, init, timeoutMs);
    const tries = `${attempt} attempt${attempt === 1 ? "" : "s"}`;

    if (r.kind === "ok") {
      const requestId = requestIdOf(r.headers);
      let body: T;
      try {
        body = JSON.parse(r.text) as T;
      } catch {
        throw fail(`malformed JSON in the response (HTTP ${r.status}, ${r.text.length} bytes)`, {
          status: r.status,
          requestId,
        });
      }
      return { status: r.status, body, headers: r.headers, requestId, attempts: attempt };
    }

    let retryable: boolean;
    let reason: string;
    let status: number | undefined;
    let requestId: string | undefined;
    let retryAfter: number | undefined;
    if (r.kind === "http") {
      status = r.status;
      requestId = requestIdOf(r.headers);
      retryable = isRetryableStatus(r.status);
      const msg = serverMessage(r.text);
      reason = `HTTP ${r.status}${msg ? `: ${msg}` : ""}`;
      retryAfter = parseRetryAfter(r.headers.get("retry-after"));
    } else if (r.kind === "timeout") {
      retryable = true;
      reason = `${shownUrl(req.url)}: no answer within ${timeoutMs} ms`;
    } else {
      retryable = true;
      reason = `network error reaching ${shownUrl(req.url)} (${r.reason})`;
    }

    if (!retryable || attempt > maxRetries) {
      const suffix = retryable ? ` after ${tries}` : "";
      throw fail(`${reason}${suffix}${requestId ? ` [request id ${requestId}]` : ""}`, {
        status,
        requestId,
        retryable,
      });
    }
    const delayMs =
      retryAfter !== undefined ? Math.min(retryAfter, maxRetryAfter) : backoffDelay(attempt - 1, policy);
    req.onRetry?.({ provider, attempt, delayMs, status, reason: redact(reason, secrets) });
    await sleep(delayMs, req.signal);
  }
}
