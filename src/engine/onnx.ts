import { readdir, stat } from "node:fs/promises";
import { availableParallelism, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { InvalidInputError, MissingDependencyError, ModelFilesError } from "../core/errors.js";
import { fusedModelPath } from "./fused-model.js";
import { firstLine, queuedSession } from "./ort-run.js";

export { toFloat32 } from "./tensor-data.js";

export type TensorInput =
  | { type: "int64"; data: BigInt64Array; dims: number[] }
  | { type: "float32"; data: Float32Array; dims: number[] }
  | { type: "bool"; data: Uint8Array; dims: number[] }
  /** IEEE half floats as raw bits (e.g. the empty past_key_values of fp16 decoder exports). */
  | { type: "float16"; data: Uint16Array; dims: number[] };
export interface TensorOutput {
  data: Float32Array;
  dims: number[];
}
export interface IoInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

/** Token ids of (query, text) pairs, flat: pair k is ids[offsets[k] .. offsets[k + 1]). */
export interface EncodedPairs {
  ids: Int32Array;
  typeIds: Int32Array;
  offsets: Int32Array;
  truncated: Uint8Array;
}

/** Tokenising in the session's worker threads, off the caller's event loop. */
export type PairEncoder = (
  tokenizerDir: string,
  query: string,
  texts: readonly string[],
  maxLength: number,
) => Promise<EncodedPairs>;

export interface OnnxSession {
  readonly inputs: IoInfo[];
  readonly outputs: IoInfo[];
  /** Runs that proceed at the same time (data-parallel workers); more are queued. */
  readonly parallelism: number;
  /** Intra-op threads of each session. */
  readonly threads: number;
  /** Present for worker sessions: tokenise pairs in a worker instead of this thread. */
  readonly encodePairs?: PairEncoder;
  /** Safe to call concurrently: runs are queued and executed `parallelism` at a time. */
  run(feeds: Record<string, TensorInput>, outputNames?: string[]): Promise<Record<string, TensorOutput>>;
  /** Release this handle; the session is freed when its last handle closes. Safe to call twice. */
  close(): Promise<void>;
}

export interface SessionOptions {
  /**
   * intraOpNumThreads of each session; defaults to os.availableParallelism() divided among the workers (so one
   * in-process or worker session uses every core, and `workers: N` sessions use one N-th each).
   */
  threads?: number;
  /**
   * Run inference in worker_threads so the event loop stays responsive. With `dataParallel` and without `threads`
   * or `workers`, that is one 1-thread session per core when the copies fit (see `autoWorkers`), else one session
   * using every core.
   */
  worker?: boolean;
  /**
   * Data parallelism: N worker threads, each with its own session, each taking the next queued run (implies
   * `worker`). Each worker holds its own copy of the weights.
   */
  workers?: number;
  /**
   * The caller keeps `parallelism` runs in flight (the pair classifier's batcher does): then `worker: true` alone
   * may pick data-parallel sessions (see `autoWorkers`). Callers that run one batch at a time leave this unset.
   */
  dataParallel?: boolean;
  /**
   * Load a copy with the attention blocks fused for onnxruntime's CPU kernels (engine/fused-model.ts), when the
   * graph has them. Default true; scores stay within float rounding of the original graph's.
   */
  fuse?: boolean;
}

/** What both the in-process session and the worker proxy provide. */
export interface SessionBackend {
  inputs: IoInfo[];
  outputs: IoInfo[];
  parallelism: number;
  encodePairs?: PairEncoder;
  run(feeds: Record<string, TensorInput>, outputNames?: string[]): Promise<Record<string, TensorOutput>>;
  dispose(): Promise<void>;
}

type Ort = typeof import("onnxruntime-node");
let ortModule: Promise<Ort> | undefined;

/** Lazy import of the optional peer dependency. */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import("onnxruntime-node").catch((cause) => {
    ortModule = undefined;
    throw new MissingDependencyError("onnxruntime-node", "local ONNX inference", { cause });
  });
  return ortModule;
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** The graph file and its external-data files next to it (`model.onnx_data`, `model.onnx.data`, …), in bytes. */
async function weightBytes(path: string): Promise<number> {
  const name = basename(path);
  const siblings = await readdir(dirname(path)).catch(() => [name]);
  const sizes = await Promise.all(
    siblings
      .filter((f) => f.startsWith(name))
      .map((f) =>
        stat(join(dirname(path), f)).then(
          (s) => s.size,
          () => 0,
        ),
      ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * Worker sessions for `worker: true` with neither `threads` nor `workers`: one 1-thread session per core when
 * twice the weights (onnxruntime keeps pre-packed copies) for every core fit in a quarter of the memory, else one
 * session on every core. Data parallelism skips the per-operator thread barrier: under 16 concurrent clients on
 * MiniLM-L6 the server ran 48.9 docs/s this way against 43.1 with one 2-thread session (`npm run bench`).
 */
export async function autoWorkers(
  path: string,
  cores = defaultThreads(),
  memory = totalmem(),
): Promise<number> {
  if (cores <= 1) return 1;
  return 2 * (await weightBytes(path)) * cores <= memory / 4 ? cores : 1;
}

/** An onnxruntime session in this thread, with a queue so that concurrent calls run one after another. */
export async function createLocalBackend(path: string, threads: number): Promise<SessionBackend> {
  const ort = await loadOrt();
  let session: Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
  } catch (cause) {
    throw new ModelFilesError(`cannot load ONNX model ${path}: ${firstLine(cause)}`, { cause, path });
  }
  const queued = queuedSession(ort.Tensor, session);
  return {
    inputs: queued.inputs,
    outputs: queued.outputs,
    parallelism: 1,
    run: queued.run,
    async dispose() {
      await queued.drain();
      await session.release();
    },
  };
}

interface CacheEntry {
  backend: Promise<SessionBackend>;
  refs: number;
}
const cache = new Map<string, CacheEntry>();

/**
 * Open (or reuse) the session for this file and options. Each call returns its own handle; the session is
 * released when every handle has been closed.
 */
export async function openSession(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 0))
    throw new InvalidInputError(`workers must be a non-negative integer, got ${options.workers}`);
  const auto =
    options.dataParallel === true &&
    options.worker === true &&
    options.workers === undefined &&
    options.threads === undefined;
  const workers = auto
    ? await autoWorkers(path)
    : Math.max(options.workers ?? 0, options.worker === true ? 1 : 0);
  const threads = options.threads ?? Math.max(1, Math.floor(defaultThreads() / Math.max(1, workers)));
  if (!Number.isInteger(threads) || threads < 1)
    throw new InvalidInputError(`threads must be a positive integer, got ${threads}`);
  const file = options.fuse === false ? path : await fusedModelPath(path);
  const key = `${file}\0${threads}\0${workers}`;
  let entry = cache.get(key);
  if (!entry) {
    const create = (p: string) =>
      workers > 0
        ? import("./worker.js").then((m) => m.createWorkerPool(p, threads, workers))
        : createLocalBackend(p, threads);
    // A fused copy that this onnxruntime cannot load (an older build without an attribute) is not fatal.
    const backend = file === path ? create(path) : create(file).catch(() => create(path));
    entry = { backend, refs: 0 };
    cache.set(key, entry);
    backend.catch(() => cache.get(key) === entry && cache.delete(key));
  }
  entry.refs++;
  const own = entry;
  let backend: SessionBackend;
  try {
    backend = await own.backend;
  } catch (e) {
    own.refs--;
    throw e;
  }
  let closed = false;
  return {
    inputs: backend.inputs,
    outputs: backend.outputs,
    parallelism: backend.parallelism,
    threads,
    encodePairs: backend.encodePairs
      ? (dir, query, texts, maxLength) =>
          closed
            ? Promise.reject(new InvalidInputError("this ONNX session has been closed"))
            : (backend.encodePairs as PairEncoder)(dir, query, texts, maxLength)
      : undefined,
    run: (feeds, outputNames) => {
      if (closed) return Promise.reject(new InvalidInputError("this ONNX session has been closed"));
      return backend.run(feeds, outputNames);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (--own.refs === 0) {
        if (cache.get(key) === own) cache.delete(key);
        await backend.dispose();
      }
    },
  };
}

/** Right-pad rows of token ids into one int64 [rows, width] tensor. */
export function int64Matrix(rows: readonly number[][], padValue: number, width?: number): TensorInput {
  const w = width ?? rows.reduce((m, r) => Math.max(m, r.length), 0);
  const data = new BigInt64Array(rows.length * w).fill(BigInt(padValue));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const off = i * w;
    for (let j = 0; j < row.length && j < w; j++) data[off + j] = BigInt(row[j]);
  }
  return { type: "int64", data, dims: [rows.length, w] };
}
