/**
 * Hub settings: where to download from, with which token and revision, and where the shared cache lives.
 * Options win over the environment variables huggingface_hub reads, so Python and JS agree on one cache.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface DownloadProgress {
  /** Repo-relative path for Hub files, the URL for plain downloads. */
  file: string;
  loaded: number;
  total: number | undefined;
}

/** How long a request may wait for response headers, and a body for its next bytes. */
export interface HubTimeouts {
  responseMs: number;
  idleMs: number;
}

export interface HubOptions {
  /** Branch, tag or 40-hex commit (default `main`). */
  revision?: string;
  /** The huggingface_hub cache folder (default: `HF_HUB_CACHE`, `$HF_HOME/hub`, `~/.cache/huggingface/hub`). */
  cacheDir?: string;
  /** No HTTP at all: resolve from the cache only (default: `HF_HUB_OFFLINE`). */
  offline?: boolean;
  /** Sent as `Authorization: Bearer` to the endpoint only (default: `HF_TOKEN`). */
  token?: string;
  /** Hub base URL (default: `HF_ENDPOINT`, then https://huggingface.co). */
  endpoint?: string;
  signal?: AbortSignal;
  /** Called as bytes arrive, e.g. to draw a progress bar. */
  onProgress?: (event: DownloadProgress) => void;
  /**
   * Connect + response-header timeout and body idle timeout, in ms (default: `HF_HUB_ETAG_TIMEOUT` seconds for
   * metadata requests, `HF_HUB_DOWNLOAD_TIMEOUT` for downloads, 10 s each as in huggingface_hub).
   */
  timeoutMs?: number;
}

export interface HubSettings {
  endpoint: string;
  token: string | undefined;
  revision: string;
  cacheDir: string;
  offline: boolean;
  signal: AbortSignal | undefined;
  onProgress: ((event: DownloadProgress) => void) | undefined;
  /** For HEAD (metadata) requests. */
  metaTimeouts: HubTimeouts;
  /** For file downloads. */
  downloadTimeouts: HubTimeouts;
}

const DEFAULT_TIMEOUT_S = 10;

function timeouts(option: number | undefined, env: Env, name: string): HubTimeouts {
  const fromEnv = Number(envValue(env, name));
  const ms =
    option !== undefined && option > 0
      ? option
      : (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_TIMEOUT_S) * 1000;
  return { responseMs: ms, idleMs: ms };
}

export const DEFAULT_ENDPOINT = "https://huggingface.co";

type Env = Record<string, string | undefined>;

function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

export function envFlag(env: Env, name: string): boolean {
  return ["1", "true", "yes", "on"].includes((envValue(env, name) ?? "").toLowerCase());
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

function hfHome(env: Env): string {
  const home = envValue(env, "HF_HOME");
  if (home !== undefined) return expandHome(home);
  const xdg = envValue(env, "XDG_CACHE_HOME");
  return join(xdg !== undefined ? expandHome(xdg) : join(homedir(), ".cache"), "huggingface");
}

/** option > `HF_HUB_CACHE` > `$HF_HOME/hub` > `$XDG_CACHE_HOME/huggingface/hub` > `~/.cache/huggingface/hub`. */
export function hubCacheDir(cacheDir?: string, env: Env = process.env): string {
  if (cacheDir !== undefined && cacheDir !== "") return expandHome(cacheDir);
  const hubCache = envValue(env, "HF_HUB_CACHE");
  return hubCache !== undefined ? expandHome(hubCache) : join(hfHome(env), "hub");
}

/** option > `HF_TOKEN` > the token file `huggingface-cli login` writes (`HF_TOKEN_PATH` or `$HF_HOME/token`). */
function hubToken(token: string | undefined, env: Env): string | undefined {
  if (token !== undefined && token !== "") return token;
  const fromEnv = envValue(env, "HF_TOKEN") ?? envValue(env, "HUGGING_FACE_HUB_TOKEN");
  if (fromEnv !== undefined) return fromEnv;
  try {
    const file = envValue(env, "HF_TOKEN_PATH") ?? join(hfHome(env), "token");
    const stored = readFileSync(expandHome(file), "utf8").trim();
    return stored === "" ? undefined : stored;
  } catch {
    return undefined;
  }
}

export function hubSettings(options: HubOptions = {}, env: Env = process.env): HubSettings {
  const endpoint = (options.endpoint ?? envValue(env, "HF_ENDPOINT") ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
  return {
    endpoint,
    token: hubToken(options.token, env),
    revision: options.revision ?? "main",
    cacheDir: hubCacheDir(options.cacheDir, env),
    offline: options.offline ?? envFlag(env, "HF_HUB_OFFLINE"),
    signal: options.signal,
    onProgress: options.onProgress,
    metaTimeouts: timeouts(options.timeoutMs, env, "HF_HUB_ETAG_TIMEOUT"),
    downloadTimeouts: timeouts(options.timeoutMs, env, "HF_HUB_DOWNLOAD_TIMEOUT"),
  };
}

export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** `org/name` (or a legacy single `name`) as the Hub spells repo ids. */
export function isRepoId(model: string): boolean {
  return /^[\w.-]+(\/[\w.-]+)?$/.test(model) && !model.includes("..") && !model.includes("--");
}

/** `cross-encoder/ms-marco-MiniLM-L-6-v2` → `models--cross-encoder--ms-marco-MiniLM-L-6-v2`. */
export function repoFolderName(repo: string): string {
  return `models--${repo.split("/").join("--")}`;
}

/** `${endpoint}/{repo}/resolve/{revision}/{path}`, revision and path segments URL-encoded. */
export function hubFileUrl(endpoint: string, repo: string, revision: string, path: string): string {
  const file = path.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}
