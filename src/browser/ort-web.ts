import { InvalidInputError, MissingDependencyError, ModelFilesError } from "../core/errors.js";
import { fuseEncoderGraph } from "../engine/graph/fuse.js";
import { concat } from "../engine/graph/wire.js";
import type { OnnxSession } from "../engine/onnx.js";
import { firstLine, queuedSession } from "../engine/ort-run.js";

/** "auto": WebGPU when the browser has an adapter, else WASM. */
export type Device = "auto" | "wasm" | "webgpu";

export interface OrtWebOptions {
  device?: Device;
  /**
   * WASM threads (default: up to 4 when the page is cross-origin isolated, else 1). onnxruntime-web fixes this
   * on its first session: later values are ignored.
   */
  threads?: number;
  /**
   * Folder URL (ending in "/") serving onnxruntime-web's `ort-wasm-simd-threaded*.{mjs,wasm}` files; by default
   * onnxruntime-web looks beside its own module.
   */
  wasmPaths?: string;
  /**
   * Rewrite an encoder's attention blocks and last layer as in Node (engine/graph) before loading: same scores,
   * faster. WASM only (the WebGPU kernels for those operators are untested here). Default true.
   */
  fuse?: boolean;
}

export interface BrowserSession extends OnnxSession {
  /** The backend that runs the model. */
  readonly device: "wasm" | "webgpu";
  /** WASM threads onnxruntime-web was initialised with. */
  readonly threads: number;
  /** Whether the graph rewrites (`fuse`) applied and the rewritten model loaded. */
  readonly fused: boolean;
}

type Ort = typeof import("onnxruntime-web");

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: { requestAdapter(): Promise<unknown> } };
}
const g = globalThis as BrowserGlobals;

/** The WASM-only build is half the download of the WebGPU one; each is imported only when used. */
function importOrt(webgpu: boolean): Promise<Ort> {
  const load = webgpu ? import("onnxruntime-web/webgpu") : import("onnxruntime-web/wasm");
  return load.catch((cause) => {
    throw new MissingDependencyError("onnxruntime-web", "ONNX inference in the browser", { cause });
  });
}

async function hasWebGpu(): Promise<boolean> {
  try {
    return (await g.navigator?.gpu?.requestAdapter()) != null;
  } catch {
    return false;
  }
}

function defaultThreads(): number {
  if (g.crossOriginIsolated !== true) return 1;
  return Math.max(1, Math.min(4, g.navigator?.hardwareConcurrency ?? 1));
}

/** The rewrite holds a second copy of the model while the page already holds one and onnxruntime makes another. */
const MAX_REWRITE_BYTES = 512 * 1024 ** 2;

/** The rewritten model (engine/graph), or undefined when nothing applies, the model is large or the rewrite fails. */
function rewrite(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.byteLength > MAX_REWRITE_BYTES) return undefined;
  try {
    const fused = fuseEncoderGraph(bytes);
    return fused && concat(fused.chunks);
  } catch {
    return undefined;
  }
}

/**
 * An onnxruntime-web session over the model bytes, as the engine's `OnnxSession` (runs queued one at a time).
 * `source` names the model in errors.
 */
export async function openBrowserSession(
  bytes: Uint8Array,
  source: string,
  options: OrtWebOptions = {},
): Promise<BrowserSession> {
  const wanted = options.device ?? "auto";
  if (wanted !== "auto" && wanted !== "wasm" && wanted !== "webgpu")
    throw new InvalidInputError(`device must be "auto", "wasm" or "webgpu", got "${String(wanted)}"`);
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1)
    throw new InvalidInputError(`threads must be a positive integer, got ${threads}`);
  const device = wanted === "auto" ? ((await hasWebGpu()) ? "webgpu" : "wasm") : wanted;
  const ort = await importOrt(device === "webgpu");
  ort.env.wasm.numThreads ??= threads;
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths ??= options.wasmPaths;

  const create = (model: Uint8Array) =>
    ort.InferenceSession.create(model, {
      executionProviders: device === "webgpu" ? ["webgpu", "wasm"] : ["wasm"],
      graphOptimizationLevel: "all",
    });
  const rewritten = device === "wasm" && options.fuse !== false ? rewrite(bytes) : undefined;
  // As in Node, a rewritten graph that does not load means "use the original".
  const fusedSession = rewritten && (await create(rewritten).catch(() => undefined));
  const fused = fusedSession !== undefined;
  let session: Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;
  try {
    session = fusedSession ?? (await create(bytes));
  } catch (cause) {
    throw new ModelFilesError(`cannot load ONNX model ${source}: ${firstLine(cause)}`, {
      cause,
      path: source,
    });
  }
  const queued = queuedSession(ort.Tensor, session);
  let closed = false;
  return {
    device,
    fused,
    // Without cross-origin isolation (no SharedArrayBuffer) onnxruntime-web runs on one thread whatever was asked.
    threads: g.crossOriginIsolated === true ? (ort.env.wasm.numThreads ?? threads) : 1,
    inputs: queued.inputs,
    outputs: queued.outputs,
    parallelism: 1, // queuedSession runs one at a time
    run(feeds, outputNames) {
      if (closed) return Promise.reject(new InvalidInputError("this ONNX session has been closed"));
      return queued.run(feeds, outputNames);
    },
    async close() {
      if (closed) return;
      closed = true;
      await queued.drain();
      await session.release();
    },
  };
}
