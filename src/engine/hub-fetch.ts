/**
 * The HTTP side of downloads: a HEAD (no redirect following) for a Hub file's metadata, and a resumable GET
 * into `{dest}.incomplete` that is size/sha256-checked and then renamed into place.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat, truncate } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { AbortedError, ModelFilesError, NetworkError, type RerankersError } from "../core/errors.js";
import type { DownloadProgress, HubTimeouts } from "./hub-config.js";

const USER_AGENT = `rerankers-js/0.1; node/${process.versions.node}`;
const ATTEMPTS = 3;

export type HubFileMeta =
  | { kind: "found"; commit: string; etag: string; size: number | undefined; downloadUrl: string }
  | { kind: "absent"; commit: string | undefined };

export function baseHeaders(
  token: string | undefined,
  url: string,
  endpoint: string,
): Record<string, string> {
  const headers: Record<string, string> = { "User-Agent": USER_AGENT, "Accept-Encoding": "identity" };
  // The token goes to the Hub itself, never to a CDN or a third-party host.
  if (token !== undefined && new URL(url).origin === new URL(endpoint).origin) {
    headers.Authorization = `Bearer ${token}`;
  }
  return headers;
}

/** huggingface_hub `_normalize_etag`: drop a weak `W/` prefix and the quotes. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (etag === null) return undefined;
  const value = etag.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return value === "" ? undefined : value;
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error as Error)?.name === "AbortError";
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}

/** A URL for messages: credentials embedded in it (`https://user:pass@host`) are never printed. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "";
    u.password = "";
    return u.href;
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

/** Errors of a host that does not answer at all: retrying only multiplies the wait. */
const NOT_RETRYABLE = new WeakSet<object>();

const CONNECTION_HINT =
  "check the network; set HF_ENDPOINT for a mirror, HF_HUB_OFFLINE=1 to use the cache only, or pass a local folder (--model ./folder)";

/** An AbortSignal that fires when the caller's does or when `arm`ed timers run out; `what` says which. */
function timeoutSignal(signal: AbortSignal | undefined) {
  const controller = new AbortController();
  let fired: "timeout" | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) controller.abort(signal.reason);
  return {
    signal: controller.signal,
    timedOut: () => fired === "timeout",
    /** (Re)start the timer: no progress for `ms` aborts the request. */
    arm(ms: number) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        fired = "timeout";
        controller.abort(new Error("timeout"));
      }, ms);
      timer.unref?.();
    },
    done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

type Guard = ReturnType<typeof timeoutSignal>;

/** fetch with a connect + response-header timeout; the returned guard keeps the body's idle timer. */
async function request(
  url: string,
  init: RequestInit,
  signal: AbortSignal | undefined,
  timeouts: HubTimeouts,
  envName: string,
): Promise<{ response: Response; guard: Guard }> {
  const guard = timeoutSignal(signal);
  guard.arm(timeouts.responseMs);
  try {
    const response = await fetch(url, { ...init, signal: guard.signal });
    return { response, guard };
  } catch (error) {
    guard.done();
    if (guard.timedOut()) {
      const e = new NetworkError(
        `no answer from ${safeUrl(url)} within ${timeouts.responseMs / 1000} s (${envName}); ${CONNECTION_HINT}`,
        { cause: error, url: safeUrl(url) },
      );
      NOT_RETRYABLE.add(e);
      throw e;
    }
    if (isAbort(error, signal)) throw new AbortedError("download was aborted", { cause: error });
    const reason = describe(error).split(url).join(safeUrl(url));
    throw new NetworkError(`cannot reach ${safeUrl(url)}: ${reason}; ${CONNECTION_HINT}`, {
      cause: error,
      url: safeUrl(url),
    });
  }
}

/** A clear error for a failed Hub response (`what` = "repo@revision" or the URL). */
export function statusError(response: Response, rawUrl: string, what: string): RerankersError {
  const status = response.status;
  const url = safeUrl(rawUrl);
  const code = response.headers.get("x-error-code");
  if (code === "GatedRepo") {
    return new NetworkError(
      `HTTP ${status} for ${what}: the repository is gated: accept its conditions on its Hub page, then set HF_TOKEN (or pass a token) for an account that has access`,
      { status, url },
    );
  }
  if (status === 401 || status === 403) {
    return new NetworkError(
      `HTTP ${status} for ${what}: access denied; the repository may be private or gated, or not exist: set HF_TOKEN (or pass a token) with access to it`,
      { status, url },
    );
  }
  if (status === 404 && code === "RepositoryNotFound") {
    return new ModelFilesError(`repository not found: ${what} (${url})`);
  }
  if (status === 404 && code === "RevisionNotFound") {
    return new ModelFilesError(`revision not found: ${what} (${url})`);
  }
  return new NetworkError(`HTTP ${status} for ${url}`, { status, url });
}

/** A name the server gave us that becomes a file name in the cache: no separators, no leading dot. */
export function isSafeEtag(etag: string): boolean {
  return /^[A-Za-z0-9_-][\w.-]{0,127}$/.test(etag);
}

/**
 * HEAD a `/resolve/` URL without following the CDN redirect (the Hub's metadata headers live on the 302), as
 * huggingface_hub's `get_hf_file_metadata` does: redirects to the same origin (a renamed repo, `resolve-cache`)
 * are followed with the same headers; a redirect to any other origin (the CDN, or a protocol-relative
 * `//other-host/…`) ends the walk and becomes the download URL, which never gets the token.
 */
export async function headFile(
  url: string,
  what: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  timeouts: HubTimeouts,
): Promise<HubFileMeta> {
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    const { response, guard } = await request(
      current,
      { method: "HEAD", redirect: "manual", headers },
      signal,
      timeouts,
      "HF_HUB_ETAG_TIMEOUT",
    );
    guard.done();
    const commit = response.headers.get("x-repo-commit") ?? undefined;
    const location = response.headers.get("location");
    const target = location === null ? undefined : new URL(location, current);
    if (response.status === 404 && [null, "EntryNotFound"].includes(response.headers.get("x-error-code"))) {
      return { kind: "absent", commit };
    }
    if (
      response.status >= 300 &&
      response.status < 400 &&
      target !== undefined &&
      target.origin === new URL(current).origin
    ) {
      current = target.href;
      continue;
    }
    if (response.status >= 400 || (response.status >= 300 && target === undefined)) {
      throw statusError(response, current, what);
    }
    const etag = normalizeEtag(response.headers.get("x-linked-etag") ?? response.headers.get("etag"));
    // Both name files in the cache (blobs/{etag}, snapshots/{commit}): accept only safe names.
    if (commit === undefined || etag === undefined || !isSafeEtag(etag) || !/^[0-9a-f]{40}$/.test(commit)) {
      throw new NetworkError(
        `${safeUrl(current)} answered without valid X-Repo-Commit/ETag headers: the endpoint does not look like a Hugging Face Hub (check HF_ENDPOINT)`,
        { url: safeUrl(current) },
      );
    }
    const sizeHeader = response.headers.get("x-linked-size") ?? response.headers.get("content-length");
    const size = sizeHeader === null ? undefined : Number(sizeHeader);
    const downloadUrl = target === undefined ? current : target.href;
    return { kind: "found", commit, etag, size: Number.isFinite(size) ? size : undefined, downloadUrl };
  }
  throw new NetworkError(`too many redirects for ${safeUrl(url)}`, { url: safeUrl(url) });
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export interface FetchToFileOptions {
  headers: Record<string, string>;
  expectedSize?: number;
  sha256?: string;
  signal?: AbortSignal;
  label: string;
  onProgress?: (event: DownloadProgress) => void;
  timeouts: HubTimeouts;
}

/**
 * GET following redirects by hand: the Authorization header goes only to the origin it was meant for (a CDN
 * or any other host reached by a redirect never sees it).
 */
async function getFollowing(url: string, headers: Record<string, string>, options: FetchToFileOptions) {
  let current = url;
  let sent = headers;
  for (let hop = 0; hop < 5; hop++) {
    const result = await request(
      current,
      { headers: sent, redirect: "manual" },
      options.signal,
      options.timeouts,
      "HF_HUB_DOWNLOAD_TIMEOUT",
    );
    const { response, guard } = result;
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) return result;
    guard.done();
    await response.body?.cancel();
    const next = new URL(location, current);
    if (next.origin !== new URL(current).origin) {
      const { Authorization: _dropped, ...rest } = sent;
      sent = rest;
    }
    current = next.href;
  }
  throw new NetworkError(`too many redirects for ${safeUrl(url)}`, { url: safeUrl(url) });
}

/** One GET appended to `partial` from `offset` on; resolves when the body ended (possibly early). */
async function fetchOnce(url: string, partial: string, offset: number, options: FetchToFileOptions) {
  const headers = { ...options.headers, ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) };
  const { response, guard } = await getFollowing(url, headers, options);
  try {
    if (response.status === 416) {
      await response.body?.cancel();
      await rm(partial, { force: true }); // our partial file is not a prefix of theirs: start over
      return;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw statusError(response, url, options.label);
    }
    const resumed =
      response.status === 206 && response.headers.get("content-range")?.startsWith(`bytes ${offset}-`);
    if (!resumed) offset = 0; // the server sent the whole file
    const total = options.expectedSize ?? (Number(response.headers.get("content-length")) || undefined);
    const handle = await open(partial, offset > 0 ? "a" : "w");
    let loaded = offset;
    try {
      if (response.body !== null) {
        guard.arm(options.timeouts.idleMs);
        for await (const chunk of response.body) {
          guard.arm(options.timeouts.idleMs);
          await handle.write(chunk);
          loaded += chunk.byteLength;
          options.onProgress?.({ file: options.label, loaded, total });
        }
      }
    } catch (error) {
      if (guard.timedOut()) {
        throw new NetworkError(
          `download of ${safeUrl(url)} stalled: no data for ${options.timeouts.idleMs / 1000} s after ${loaded} bytes (HF_HUB_DOWNLOAD_TIMEOUT)`,
          { cause: error, url: safeUrl(url) },
        );
      }
      if (isAbort(error, options.signal)) throw new AbortedError("download was aborted", { cause: error });
      throw new NetworkError(
        `download of ${safeUrl(url)} was cut off after ${loaded} bytes: ${describe(error)}`,
        { cause: error, url: safeUrl(url) },
      );
    } finally {
      await handle.close();
    }
  } finally {
    guard.done();
  }
}

/** Fill `partial` up to the expected size: resume what is there, retry dropped connections. */
async function fillPartial(url: string, partial: string, options: FetchToFileOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let offset = await sizeOf(partial);
    if (options.expectedSize !== undefined && offset > options.expectedSize) {
      await truncate(partial, 0);
      offset = 0;
    }
    if (options.expectedSize !== undefined && offset === options.expectedSize && offset > 0) return;
    try {
      await fetchOnce(url, partial, offset, options);
      if (options.expectedSize === undefined || (await sizeOf(partial)) >= options.expectedSize) return;
      if (attempt >= ATTEMPTS) {
        throw new NetworkError(`download of ${safeUrl(url)} ended early (${await sizeOf(partial)} bytes)`, {
          url: safeUrl(url),
        });
      }
    } catch (error) {
      const retryable =
        error instanceof NetworkError &&
        !NOT_RETRYABLE.has(error) &&
        (error.status === undefined || error.status >= 500);
      if (!retryable || attempt >= ATTEMPTS) throw error;
    }
    await sleep(100 * attempt, undefined, { signal: options.signal }).catch(() => {});
  }
}

/** Size and sha256 of the finished partial file; a bad one is deleted. */
async function checkPartial(url: string, partial: string, dest: string, options: FetchToFileOptions) {
  const size = await sizeOf(partial);
  if (options.expectedSize !== undefined && size !== options.expectedSize) {
    await rm(partial, { force: true });
    throw new NetworkError(
      `download of ${safeUrl(url)} has ${size} bytes, expected ${options.expectedSize}`,
      { url: safeUrl(url) },
    );
  }
  if (options.sha256 === undefined) return;
  const actual = await sha256File(partial);
  if (actual !== options.sha256.toLowerCase()) {
    await rm(partial, { force: true });
    throw new ModelFilesError(
      `${options.label}: downloaded file does not match sha256 ${options.sha256} (got ${actual})`,
      {
        path: dest,
      },
    );
  }
}

/**
 * Download `url` to `dest` atomically: bytes go to `{dest}.incomplete` (resumed with a Range request if one is
 * there, retried on a dropped connection), the size and sha256 are checked, then it is renamed to `dest`.
 * A resumed file that fails the checks is downloaded once more from scratch (the old part may be stale).
 * The caller holds a lock for `dest`, so `.incomplete` has a single writer.
 */
export async function fetchToFile(url: string, dest: string, options: FetchToFileOptions): Promise<void> {
  const partial = `${dest}.incomplete`;
  const resumed = (await sizeOf(partial)) > 0;
  try {
    await fillPartial(url, partial, options);
    await checkPartial(url, partial, dest, options);
  } catch (error) {
    const badFile =
      error instanceof ModelFilesError || (error instanceof NetworkError && error.status === undefined);
    if (!resumed || !badFile || (await sizeOf(partial)) > 0) throw error;
    await fillPartial(url, partial, options);
    await checkPartial(url, partial, dest, options);
  }
  await rename(partial, dest);
}
