/**
 * What every hosted reranking API shares: options and keys, batching by document count and a rough token
 * budget, bounded concurrency, validation of the returned indices and scores, and the merge into one ranking.
 * A provider file only describes its wire format (`ProviderSpec`).
 */
import type { Document } from "../core/documents.js";
import { AbortedError, InvalidInputError, ProviderError } from "../core/errors.js";
import { createRanker, type MethodContext, type PointwiseMethod, type Ranker } from "../core/ranker.js";
import type { FactoryOptions, RankerFactory } from "../core/registry.js";
import { type RetryEvent, type RetryPolicy, requestJson } from "./http.js";

/** One scored entry as a provider returns it: an index into the documents sent in that call. */
export interface RawResult {
  index: unknown;
  score: unknown;
}

/** Everything a provider needs to build one call. */
export interface CallInput {
  model: string;
  query: string;
  texts: readonly string[];
  /** How many results this call asks for (always set; equal to `texts.length` unless topK asked for fewer). */
  topN: number;
  options: HostedOptions;
}

export interface ProviderSpec {
  /** Provider name (the family type), used in errors. */
  name: string;
  /** Environment variable holding the key. */
  envKey?: string;
  /** False for self-hosted servers (TEI, compatible): the key is optional. */
  keyRequired: boolean;
  /** Default host; undefined means the user must pass `baseUrl`. */
  defaultBaseUrl?: string;
  /** Path appended to the base URL. */
  path: (options: HostedOptions) => string;
  /** Documents per call allowed by the API (overridable with `maxDocumentsPerCall`). */
  maxDocumentsPerCall: number;
  /** Rough token budget per call (query tokens x docs + doc tokens), when the API has one. */
  maxTokensPerCall?: number;
  headers: (apiKey: string | undefined, options: HostedOptions) => Record<string, string>;
  body: (input: CallInput) => unknown;
  /** Pull the result list out of a response body; throw `ProviderError` when the shape is wrong. */
  results: (body: unknown) => RawResult[];
}

/** Options understood by every hosted provider (plus provider-specific ones read by each spec). */
export interface HostedOptions {
  apiKey?: string;
  baseUrl?: string;
  timeoutMs?: number;
  maxRetries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  maxRetryAfterMs?: number;
  maxDocumentsPerCall?: number;
  maxTokensPerCall?: number;
  maxConcurrency?: number;
  /** Extra request headers (e.g. a proxy's); never reported in errors. */
  headers?: Record<string, string>;
  onRetry?: (event: RetryEvent) => void;
  [option: string]: unknown;
}

export const DEFAULT_MAX_CONCURRENCY = 4;

/** Read an option that may arrive as a string from the CLI (`--option k=v`). */
export function numberOption(options: HostedOptions, name: string, min: number): number | undefined {
  const raw = options[name];
  if (raw === undefined || raw === null || raw === "") return undefined;
  const n = typeof raw === "string" ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new InvalidInputError(`option ${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function booleanOption(options: HostedOptions, name: string): boolean | undefined {
  const raw = options[name];
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw new InvalidInputError(`option ${name} must be true or false, got ${JSON.stringify(raw)}`);
}

export function stringOption(options: HostedOptions, name: string): string | undefined {
  const raw = options[name];
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw !== "string")
    throw new InvalidInputError(`option ${name} must be a string, got ${JSON.stringify(raw)}`);
  return raw;
}

export function stringListOption(options: HostedOptions, name: string): string[] | undefined {
  const raw = options[name];
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw === "string") return raw.split(",").map((s) => s.trim());
  if (Array.isArray(raw) && raw.every((s) => typeof s === "string")) return raw as string[];
  throw new InvalidInputError(`option ${name} must be a list of strings, got ${JSON.stringify(raw)}`);
}

function headersOption(options: HostedOptions): Record<string, string> {
  const raw = options.headers;
  if (raw === undefined || raw === null) return {};
  if (
    typeof raw !== "object" ||
    Array.isArray(raw) ||
    !Object.values(raw).every((v) => typeof v === "string")
  ) {
    throw new InvalidInputError("option headers must be an object of string values");
  }
  return raw as Record<string, string>;
}

/**
 * Join a base URL and an API path. A base that already ends with the path (or with its version prefix,
 * e.g. `…/v1` + `/v1/rerank`) is not doubled.
 */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  if (base.endsWith(path)) return base;
  const version = path.match(/^\/v\d+(?=\/)/)?.[0];
  if (version && base.endsWith(version)) return base + path.slice(version.length);
  return base + path;
}

/** A rough token count (about 4 characters per token) used only to keep calls under an API's budget. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4) + 1;
}

/**
 * Cut documents (in input order) into contiguous batches of at most `maxDocs` documents and, when a budget is
 * given, at most `maxTokens` rough tokens (query tokens counted once per document). Returns start/end pairs.
 */
export function planBatches(
  query: string,
  texts: readonly string[],
  maxDocs: number,
  maxTokens?: number,
): Array<[number, number]> {
  const q = roughTokens(query);
  const out: Array<[number, number]> = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = q + roughTokens(texts[i]);
    const full = i - start >= maxDocs || (maxTokens !== undefined && i > start && tokens + t > maxTokens);
    if (full) {
      out.push([start, i]);
      start = i;
      tokens = 0;
    }
    tokens += t;
  }
  if (texts.length > start) out.push([start, texts.length]);
  return out;
}

/**
 * Check one call's results against the documents sent and return a score per document (undefined for
 * documents the provider left out because `topN` asked for fewer). Any missing, out-of-range or duplicated
 * index, non-numeric score, or short list is a `ProviderError`: never a silent misassignment.
 */
export function validateResults(
  provider: string,
  raw: readonly RawResult[],
  count: number,
  topN: number,
  requestId?: string,
): (number | undefined)[] {
  const fail = (msg: string) => new ProviderError(provider, `invalid response: ${msg}`, { requestId });
  const scores: (number | undefined)[] = new Array(count).fill(undefined);
  const seen = new Uint8Array(count);
  raw.forEach((r, k) => {
    const { index, score } = r;
    if (index === undefined || index === null) throw fail(`result ${k} has no index`);
    if (typeof index !== "number" || !Number.isInteger(index))
      throw fail(`result ${k} has a non-integer index`);
    if (index < 0 || index >= count) throw fail(`result ${k} has index ${index} outside 0..${count - 1}`);
    if (seen[index]) throw fail(`index ${index} appears twice`);
    if (typeof score !== "number" || !Number.isFinite(score))
      throw fail(`result ${k} (index ${index}) has a non-numeric score`);
    seen[index] = 1;
    scores[index] = score;
  });
  const expected = Math.min(topN, count);
  if (raw.length < expected) throw fail(`${raw.length} results for ${expected} requested documents`);
  return scores;
}

/** Pull `body[key]` as an array of `{index, score}` using the given score field. */
export function resultList(
  provider: string,
  body: unknown,
  listKeys: readonly string[],
  scoreKeys: readonly string[],
): RawResult[] {
  let list: unknown;
  if (Array.isArray(body)) list = body;
  else if (body && typeof body === "object") {
    const o = body as Record<string, unknown>;
    for (const k of listKeys) {
      if (Array.isArray(o[k])) {
        list = o[k];
        break;
      }
    }
  }
  if (!Array.isArray(list)) {
    throw new ProviderError(provider, `invalid response: no ${listKeys.join("/")} list in the body`);
  }
  return list.map((item) => {
    if (!item || typeof item !== "object") return { index: undefined, score: undefined };
    const o = item as Record<string, unknown>;
    const scoreKey = scoreKeys.find((k) => o[k] !== undefined);
    return { index: o.index, score: scoreKey === undefined ? undefined : o[scoreKey] };
  });
}

/** Resolve the key: option, then environment. Missing and required → InvalidInputError before any request. */
export function resolveApiKey(spec: ProviderSpec, options: HostedOptions): string | undefined {
  const fromOption = typeof options.apiKey === "string" && options.apiKey !== "" ? options.apiKey : undefined;
  // No `process` in browsers: there the key comes from the options only.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const fromEnv = spec.envKey ? env?.[spec.envKey] : undefined;
  const key = fromOption ?? (fromEnv === "" ? undefined : fromEnv);
  if (key === undefined && spec.keyRequired) {
    const env = spec.envKey ? `set ${spec.envKey} or ` : "";
    throw new InvalidInputError(`${spec.name} needs an API key: ${env}pass apiKey (CLI: --api-key)`);
  }
  return key;
}

/** Run `tasks` with at most `limit` in flight; the first failure aborts the others. */
async function runBounded<T>(
  tasks: Array<(signal: AbortSignal) => Promise<T>>,
  limit: number,
  outer?: AbortSignal,
): Promise<T[]> {
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  const results: T[] = new Array(tasks.length);
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < tasks.length && firstError === undefined) {
      const i = next++;
      try {
        results[i] = await tasks[i](ctrl.signal);
      } catch (err) {
        if (firstError === undefined) firstError = err;
        ctrl.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
  if (firstError !== undefined) {
    if (outer?.aborted && !(firstError instanceof AbortedError))
      throw new AbortedError("ranking was aborted", { cause: outer.reason });
    throw firstError;
  }
  return results;
}

/** Build the pointwise method for one provider and one model. */
export function hostedMethod(spec: ProviderSpec, model: string, options: HostedOptions): PointwiseMethod {
  const apiKey = resolveApiKey(spec, options);
  const baseUrl = stringOption(options, "baseUrl") ?? spec.defaultBaseUrl;
  if (baseUrl === undefined) {
    throw new InvalidInputError(
      `${spec.name} needs the server's URL: pass baseUrl (CLI: --base-url http://host:port)`,
    );
  }
  const url = joinUrl(baseUrl, spec.path(options));
  const maxDocs = numberOption(options, "maxDocumentsPerCall", 1) ?? spec.maxDocumentsPerCall;
  const maxTokens = numberOption(options, "maxTokensPerCall", 1) ?? spec.maxTokensPerCall;
  const concurrency = numberOption(options, "maxConcurrency", 1) ?? DEFAULT_MAX_CONCURRENCY;
  const retry: RetryPolicy = {
    baseDelayMs: numberOption(options, "retryBaseDelayMs", 0),
    maxDelayMs: numberOption(options, "retryMaxDelayMs", 0),
    maxRetryAfterMs: numberOption(options, "maxRetryAfterMs", 0),
  };
  const timeoutMs = numberOption(options, "timeoutMs", 1);
  const maxRetries = numberOption(options, "maxRetries", 0);
  const extraHeaders = headersOption(options);
  const secrets = apiKey ? [apiKey] : [];

  async function call(
    query: string,
    texts: readonly string[],
    topN: number,
    signal: AbortSignal,
  ): Promise<(number | undefined)[]> {
    const res = await requestJson({
      provider: spec.name,
      url,
      method: "POST",
      headers: { ...extraHeaders, ...spec.headers(apiKey, options) },
      body: spec.body({ model, query, texts, topN, options }),
      timeoutMs,
      maxRetries,
      signal,
      secrets,
      retry,
      onRetry: options.onRetry,
    });
    let raw: RawResult[];
    try {
      raw = spec.results(res.body);
    } catch (err) {
      if (err instanceof ProviderError && res.requestId) {
        throw new ProviderError(spec.name, err.message.replace(`${spec.name}: `, ""), {
          requestId: res.requestId,
        });
      }
      throw err;
    }
    return validateResults(spec.name, raw, texts.length, topN, res.requestId);
  }

  return {
    kind: "pointwise",
    async scoreDocuments(query: string, docs: readonly Document[], ctx: MethodContext) {
      const texts = docs.map((d) => d.text);
      if (ctx.topK === 0) return { scores: new Array<number | undefined>(texts.length).fill(undefined) };
      // rank(…, { batchSize }) may ask for smaller calls than the provider allows, never larger ones
      const perCall = ctx.batchSize === undefined ? maxDocs : Math.min(ctx.batchSize, maxDocs);
      const batches = planBatches(query, texts, perCall, maxTokens);
      const scores: (number | undefined)[] = new Array(texts.length).fill(undefined);
      let done = 0;
      const tasks = batches.map(([start, end]) => async (signal: AbortSignal) => {
        const n = end - start;
        const topN = ctx.topK === undefined ? n : Math.min(ctx.topK, n);
        const part = await call(query, texts.slice(start, end), topN, signal);
        part.forEach((s, i) => {
          scores[start + i] = s;
        });
        done += n;
        ctx.progress(done);
      });
      await runBounded(tasks, concurrency, ctx.signal);
      return { scores };
    },
  };
}

/** A `RankerFactory` for a provider spec. */
export function hostedFactory(spec: ProviderSpec): RankerFactory {
  return async (options: FactoryOptions): Promise<Ranker> => {
    const method = hostedMethod(spec, options.model, options as HostedOptions);
    return createRanker({ modelType: options.modelType, model: options.model, provider: spec.name }, method);
  };
}

export const bearer = (apiKey: string | undefined): Record<string, string> =>
  apiKey ? { authorization: `Bearer ${apiKey}` } : {};
