/**
 * Where onnxruntime should load a model from: the original file, or a copy with its attention blocks fused
 * (graph/fuse.ts), made once and kept in the cache (`<hub cache>/.rerankers-fused/`). The copy is keyed by the
 * original's real path, size and modification time, so a changed file gets a new copy. Models with nothing to fuse
 * get an empty marker, so they are read only once. Any failure (read-only cache, odd graph) quietly means "use the
 * original"; `RERANKERS_GRAPH_FUSION=0` turns the whole step off.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fuseEncoderGraph } from "./graph/fuse.js";
import { tempName } from "./hub-cache.js";
import { hubCacheDir } from "./hub-config.js";

/** Bump when a fusion changes, so old copies are not reused. */
const FUSION_VERSION = 3;
/** protobuf cannot hold more than 2 GiB, and models this large keep their weights outside the graph anyway. */
const MAX_GRAPH_BYTES = 1.5 * 1024 ** 3;

export function fusionEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !["0", "false", "no", "off"].includes((env.RERANKERS_GRAPH_FUSION ?? "").trim().toLowerCase());
}

export function fusedCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(hubCacheDir(undefined, env), ".rerankers-fused");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writeChunks(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = tempName(path);
  try {
    const file = await open(tmp, "w");
    try {
      for (const c of chunks) await file.write(c);
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** The path to load: a fused copy of `path` when one applies, else `path` itself. Never throws. */
export async function fusedModelPath(path: string, cacheDir = fusedCacheDir()): Promise<string> {
  if (!fusionEnabled()) return path;
  try {
    const real = await realpath(path);
    const { size, mtimeMs } = await stat(real);
    if (size > MAX_GRAPH_BYTES) return path;
    const key = createHash("sha256")
      .update(JSON.stringify([FUSION_VERSION, real, size, mtimeMs]))
      .digest("hex");
    const fused = join(cacheDir, `${key.slice(0, 32)}.onnx`);
    const none = join(cacheDir, `${key.slice(0, 32)}.none`);
    if (await exists(fused)) return fused;
    if (await exists(none)) return path;
    const result = fuseEncoderGraph(new Uint8Array(await readFile(real)));
    await mkdir(cacheDir, { recursive: true });
    if (!result) {
      await writeFile(none, "");
      return path;
    }
    await writeChunks(fused, result.chunks);
    return fused;
  } catch {
    return path;
  }
}
