/**
 * One repository's folder in the huggingface_hub cache, in the layout huggingface_hub documents for
 * re-implementations: `blobs/{etag}`, `snapshots/{commit}/{path}` (relative symlinks to blobs, copies where
 * symlinks fail), `refs/{revision}` (the commit a branch/tag last resolved to) and `.no_exist/{commit}/{path}`
 * (empty markers for files known to be absent at that commit). Locks live in `<cache>/.locks/{repo folder}/`.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { isCommitHash, repoFolderName } from "./hub-config.js";

export type CachedState = "present" | "absent" | "unknown";

/** A sibling temp name unique to this process and call, so concurrent writers never share a file. */
export function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** Write via a unique temp file and rename: readers see the old content or the new one, never a part. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export class RepoCache {
  readonly dir: string;
  readonly locksDir: string;

  constructor(cacheDir: string, repo: string) {
    this.dir = join(cacheDir, repoFolderName(repo));
    this.locksDir = join(cacheDir, ".locks", repoFolderName(repo));
  }

  snapshotDir(commit: string): string {
    return join(this.dir, "snapshots", commit);
  }

  blobPath(etag: string): string {
    return join(this.dir, "blobs", etag);
  }

  lockPath(etag: string): string {
    return join(this.locksDir, `${etag}.lock`);
  }

  /** The commit a revision points to in the cache: the revision itself if it is a commit, else `refs/{revision}`. */
  async commitFor(revision: string): Promise<string | undefined> {
    if (isCommitHash(revision)) return revision;
    try {
      const commit = (await readFile(join(this.dir, "refs", revision), "utf8")).trim();
      return isCommitHash(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = join(this.dir, "refs", revision);
    try {
      if ((await readFile(path, "utf8")).trim() === commit) return;
    } catch {
      // not written yet
    }
    await writeFileAtomic(path, commit);
  }

  /** `present` = the snapshot has it (and its blob is there), `absent` = a `.no_exist` marker says so. */
  async lookup(commit: string, path: string): Promise<CachedState> {
    if (await exists(join(this.snapshotDir(commit), path))) return "present";
    if (await exists(join(this.dir, ".no_exist", commit, path))) return "absent";
    return "unknown";
  }

  async markAbsent(commit: string, path: string): Promise<void> {
    const marker = join(this.dir, ".no_exist", commit, path);
    await mkdir(dirname(marker), { recursive: true });
    await writeFile(marker, "");
  }

  async hasBlob(etag: string, size: number | undefined): Promise<boolean> {
    try {
      const info = await stat(this.blobPath(etag));
      return size === undefined || info.size === size;
    } catch {
      return false;
    }
  }

  /** Point `snapshots/{commit}/{path}` at `blobs/{etag}`: a relative symlink, or a copy where symlinks fail. */
  async linkSnapshot(commit: string, path: string, etag: string): Promise<void> {
    const target = join(this.snapshotDir(commit), path);
    const blob = this.blobPath(etag);
    if (await exists(target)) return;
    await mkdir(dirname(target), { recursive: true });
    const tmp = tempName(target);
    try {
      await symlink(relative(dirname(target), blob), tmp);
    } catch {
      await copyFile(blob, tmp);
    }
    try {
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      if (!(await exists(target))) throw error; // else another process linked it first
    }
  }
}
