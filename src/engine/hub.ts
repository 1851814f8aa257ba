/**
 * Model files from a local folder or the Hugging Face Hub. Hub files land in the huggingface_hub cache layout
 * (shared with Python) and the snapshot folder is returned, so every method just reads files from a folder.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, posix } from "node:path";
import { catalogEntry, exportCommandError, sourceRepo } from "../core/catalog.js";
import { InvalidInputError, ModelFilesError, NetworkError } from "../core/errors.js";
import { RepoCache } from "./hub-cache.js";
import {
  type HubOptions,
  type HubSettings,
  hubFileUrl,
  hubSettings,
  isCommitHash,
  isRepoId,
} from "./hub-config.js";
import { baseHeaders, fetchToFile, type HubFileMeta, headFile, safeUrl, sha256File } from "./hub-fetch.js";
import { withLock } from "./hub-lock.js";
import { externalDataLocations } from "./onnx-external.js";

export type { DownloadProgress, HubOptions } from "./hub-config.js";
export { hubCacheDir, hubFileUrl, repoFolderName } from "./hub-config.js";

/** The files a method needs. An array entry = the first of these paths that exists. */
export interface ModelFileSpec {
  required: (string | string[])[];
  optional?: string[];
  /** optimum-cli `--task` that exports this kind of model: named when a Hub repo has no ONNX weights. */
  exportTask?: string;
}

interface Entry {
  candidates: string[];
  required: boolean;
}

/** A path that exists, or one spelled as a path (`./`, `../`, `/`, `~`, `C:\`), is a local folder, not a Hub id. */
export function isLocalPath(model: string): boolean {
  return existsSync(model) || /^(~|\.\.?$|\.\.?[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(model);
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") || path.startsWith("~\\")
    ? join(homedir(), path.slice(1))
    : path;
}

async function localDir(model: string): Promise<string> {
  const path = expandHome(model);
  try {
    await stat(path);
  } catch (cause) {
    throw new ModelFilesError(`model folder not found: ${path}`, { cause, path });
  }
  return path;
}

function entriesOf(files: ModelFileSpec): Entry[] {
  return [
    ...files.required.map((e) => ({ candidates: typeof e === "string" ? [e] : [...e], required: true })),
    ...(files.optional ?? []).map((f) => ({ candidates: [f], required: false })),
  ];
}

/**
 * A path inside a repository, as options (`onnxFile`) and servers (ONNX external data) name them: relative,
 * `/`-separated, no empty, `.` or `..` segment, no backslash or drive letter. Anything else could leave the cache.
 */
export function isSafeRepoPath(path: string): boolean {
  if (path === "" || path.length > 1024 || /[\\\0:]/.test(path) || path.startsWith("/")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

function checkEntries(entries: Entry[]): void {
  for (const entry of entries) {
    for (const candidate of entry.candidates) {
      if (!isSafeRepoPath(candidate)) {
        throw new InvalidInputError(
          `invalid file name "${candidate}" for a Hub model: use a path inside the repository (e.g. onnx/model_fp16.onnx)`,
        );
      }
    }
  }
}

function describeEntry(entry: Entry): string {
  const c = entry.candidates;
  return c.length <= 4 ? c.join(", ") : `${c.slice(0, 2).join(", ")} or ${c.length - 2} other names`;
}

/** The error for a required entry the repo lacks; ONNX weights get the export command. */
function missingEntryError(repo: string, s: HubSettings, entry: Entry, exportTask: string | undefined) {
  const none = entry.candidates.length === 1 ? "no" : "none of";
  const where = `${repo}@${s.revision} has ${none} ${describeEntry(entry)} (${safeUrl(s.endpoint)}/${repo})`;
  if (exportTask === undefined || !entry.candidates.every((c) => c.endsWith(".onnx"))) {
    return new ModelFilesError(where);
  }
  const dir = `./${repo.split("/").pop()}-onnx`;
  return new ModelFilesError(
    `${where}: if it has no ONNX export, make one with \`optimum-cli export onnx --model ${repo} --task ${exportTask} ${dir}\` (pip install "optimum-onnx[onnxruntime]") and pass --model ${dir}`,
  );
}

/** The first candidate of a required entry the cached snapshot holds, or undefined (`strict`: unknown = miss). */
async function missingInCache(cache: RepoCache, commit: string, entries: Entry[], strict: boolean) {
  for (const entry of entries) {
    let satisfied = !entry.required;
    for (const candidate of entry.candidates) {
      const state = await cache.lookup(commit, candidate);
      if (state === "present") {
        satisfied = true;
        break;
      }
      if (state === "unknown" && strict) return entry;
    }
    if (!satisfied) return entry;
  }
  return undefined;
}

/** Repo paths of the external data files a graph refers to (relative to the graph's folder), validated. */
async function externalDataOf(snapshot: string, graph: string): Promise<string[]> {
  const locations = await externalDataLocations(join(snapshot, graph));
  return locations.map((location) => {
    const path = posix.join(posix.dirname(graph), location);
    if (!isSafeRepoPath(location) || !isSafeRepoPath(path)) {
      throw new ModelFilesError(`${graph} refers to external data outside its folder ("${location}")`);
    }
    return path;
  });
}

/** The first cached ONNX graph of `entries` whose external data is not cached, as an entry, or undefined. */
async function missingExternalData(cache: RepoCache, commit: string, entries: Entry[]) {
  for (const entry of entries) {
    for (const candidate of entry.candidates) {
      if (!candidate.endsWith(".onnx") || (await cache.lookup(commit, candidate)) !== "present") continue;
      for (const data of await externalDataOf(cache.snapshotDir(commit), candidate)) {
        if ((await cache.lookup(commit, data)) !== "present") return { candidates: [data], required: true };
      }
      break;
    }
  }
  return undefined;
}

/** Resolve without HTTP: `refs/{revision}` → snapshot; throws naming what is not cached. */
async function resolveFromCache(
  repo: string,
  cache: RepoCache,
  entries: Entry[],
  s: HubSettings,
  why: string,
) {
  const commit = await cache.commitFor(s.revision);
  if (commit === undefined) {
    throw new ModelFilesError(`${why}: ${repo}@${s.revision} is not in the Hub cache (${s.cacheDir})`, {
      path: cache.dir,
    });
  }
  const missing =
    (await missingInCache(cache, commit, entries, false)) ??
    (await missingExternalData(cache, commit, entries));
  if (missing !== undefined) {
    throw new ModelFilesError(
      `${why}: ${missing.candidates.length === 1 ? "" : "none of "}${describeEntry(missing)} of ${repo}@${s.revision} is ${missing.candidates.length === 1 ? "not " : ""}in the Hub cache (${cache.snapshotDir(commit)})`,
      { path: cache.snapshotDir(commit) },
    );
  }
  return cache.snapshotDir(commit);
}

async function downloadBlob(
  cache: RepoCache,
  meta: HubFileMeta & { kind: "found" },
  path: string,
  s: HubSettings,
) {
  if (await cache.hasBlob(meta.etag, meta.size)) return;
  await withLock(cache.lockPath(meta.etag), s.signal, async () => {
    if (await cache.hasBlob(meta.etag, meta.size)) return; // another process finished it while we waited
    await mkdir(dirname(cache.blobPath(meta.etag)), { recursive: true });
    await fetchToFile(meta.downloadUrl, cache.blobPath(meta.etag), {
      headers: baseHeaders(s.token, meta.downloadUrl, s.endpoint),
      expectedSize: meta.size,
      // LFS/xet etags are the file's sha256; git etags (sha1 of the git blob) are not checked.
      sha256: /^[0-9a-f]{64}$/.test(meta.etag) ? meta.etag : undefined,
      signal: s.signal,
      label: path,
      onProgress: s.onProgress,
      timeouts: s.downloadTimeouts,
    });
  });
}

async function resolveOnline(
  repo: string,
  cache: RepoCache,
  entries: Entry[],
  s: HubSettings,
  exportTask: string | undefined,
): Promise<string> {
  const what = `${repo}@${s.revision}`;
  // Once the first HEAD names the commit, every other file is asked for at that commit (one consistent snapshot)
  // and skipped when the snapshot (or a `.no_exist` marker) already answers for it.
  let commit = isCommitHash(s.revision) ? s.revision : undefined;
  const learn = async (found: string | undefined) => {
    if (commit !== undefined || found === undefined) return;
    commit = found;
    await cache.writeRef(s.revision, found);
  };
  /** Make `candidate` present in the snapshot; false when the repo does not have it. */
  const fetchFile = async (candidate: string): Promise<boolean> => {
    const known = commit === undefined ? "unknown" : await cache.lookup(commit, candidate);
    if (known === "absent") return false;
    if (known === "present") return true;
    const url = hubFileUrl(s.endpoint, repo, commit ?? s.revision, candidate);
    const meta = await headFile(url, what, baseHeaders(s.token, url, s.endpoint), s.signal, s.metaTimeouts);
    await learn(meta.commit);
    if (meta.kind === "absent") {
      if (meta.commit !== undefined) await cache.markAbsent(meta.commit, candidate);
      return false;
    }
    if ((await cache.lookup(meta.commit, candidate)) !== "present") {
      // A file served without a CDN redirect is fetched at the resolved commit, not at the moving branch.
      const downloadUrl =
        meta.downloadUrl === url ? hubFileUrl(s.endpoint, repo, meta.commit, candidate) : meta.downloadUrl;
      await downloadBlob(cache, { ...meta, downloadUrl }, candidate, s);
      await cache.linkSnapshot(meta.commit, candidate, meta.etag);
    }
    return true;
  };
  for (const entry of entries) {
    let satisfied = false;
    for (const candidate of entry.candidates) {
      if (!(await fetchFile(candidate))) continue;
      satisfied = true;
      // An ONNX graph's external data files go next to it, under the names the graph uses.
      if (candidate.endsWith(".onnx") && commit !== undefined) {
        for (const data of await externalDataOf(cache.snapshotDir(commit), candidate)) {
          if (!(await fetchFile(data))) {
            throw new ModelFilesError(
              `${what}: ${candidate} refers to external data ${data}, which the repository does not have`,
            );
          }
        }
      }
      break;
    }
    if (!satisfied && entry.required) throw missingEntryError(repo, s, entry, exportTask);
  }
  if (commit === undefined)
    throw new ModelFilesError(`${what}: none of the requested files exist on ${s.endpoint}`);
  await mkdir(cache.snapshotDir(commit), { recursive: true });
  return cache.snapshotDir(commit);
}

/**
 * A local folder is returned as is. A Hub id (`org/name`) downloads the files into the huggingface_hub cache and
 * returns the snapshot folder. Offline (option or `HF_HUB_OFFLINE=1`) resolves from the cache only; when the Hub
 * cannot be reached, a cached snapshot holding every required file is used instead.
 */
export async function resolveModelDir(
  model: string,
  files: ModelFileSpec,
  options: HubOptions = {},
): Promise<string> {
  if (isLocalPath(model)) return localDir(model);
  if (!isRepoId(model)) {
    throw new ModelFilesError(
      `"${model}" is neither an existing folder nor a Hugging Face Hub id (org/name)`,
    );
  }
  // Well-known names whose ONNX export lives in another repo are read from there; names with no export anywhere
  // fail here with the command that makes one.
  const source = sourceRepo(model);
  const known = catalogEntry(model);
  if (source === null && known !== undefined) throw exportCommandError(known);
  const repo = source ?? model;
  const entries = entriesOf(files);
  checkEntries(entries);
  const s = hubSettings(options);
  // The revision names a file under refs/: keep it inside the cache.
  if (
    s.revision === "" ||
    s.revision.split("/").some((part) => part === "" || part === "." || part === "..")
  ) {
    throw new InvalidInputError(`invalid Hub revision "${s.revision}"`);
  }
  const cache = new RepoCache(s.cacheDir, repo);
  if (s.offline) return resolveFromCache(repo, cache, entries, s, "offline mode");
  if (
    isCommitHash(s.revision) &&
    (await missingInCache(cache, s.revision, entries, true)) === undefined &&
    (await missingExternalData(cache, s.revision, entries)) === undefined
  ) {
    return cache.snapshotDir(s.revision);
  }
  try {
    return await resolveOnline(repo, cache, entries, s, files.exportTask);
  } catch (error) {
    // Python's fallback: connection errors and 5xx use the cache; 401/403/404 are real answers.
    if (!(error instanceof NetworkError) || (error.status !== undefined && error.status < 500)) throw error;
    try {
      return await resolveFromCache(repo, cache, entries, s, "Hub unreachable");
    } catch {
      throw error;
    }
  }
}

/**
 * Download any URL (e.g. a FlashRank zip) to `<cache>/rerankers/downloads/{sha256(url)[:16]}/{file name}`,
 * atomically; a cached copy is returned without HTTP. `sha256` (hex) is checked (ModelFilesError on mismatch).
 */
export async function downloadFile(
  url: string,
  options: HubOptions & { sha256?: string } = {},
): Promise<string> {
  const s = hubSettings(options);
  const key = createHash("sha256").update(url).digest("hex").slice(0, 16);
  const dest = join(s.cacheDir, "rerankers", "downloads", key, basename(new URL(url).pathname) || "download");
  const cachedOk = async () => {
    if (!existsSync(dest)) return false;
    if (options.sha256 === undefined || (await sha256File(dest)) === options.sha256.toLowerCase())
      return true;
    await rm(dest, { force: true }); // corrupt or replaced upstream: fetch again
    return false;
  };
  if (await cachedOk()) return dest;
  if (s.offline)
    throw new ModelFilesError(`offline mode: ${url} is not in the cache (${dest})`, { path: dest });
  await mkdir(dirname(dest), { recursive: true });
  await withLock(`${dest}.lock`, s.signal, async () => {
    if (existsSync(dest)) return;
    await fetchToFile(url, dest, {
      headers: baseHeaders(s.token, url, s.endpoint),
      sha256: options.sha256,
      signal: s.signal,
      label: url,
      onProgress: s.onProgress,
      timeouts: s.downloadTimeouts,
    });
  });
  return dest;
}
