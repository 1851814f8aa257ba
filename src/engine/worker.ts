import { Worker } from "node:worker_threads";
import {
  MissingDependencyError,
  ModelFilesError,
  ModelOutputError,
  type RerankersError,
} from "../core/errors.js";
import type { EncodedPairs, IoInfo, SessionBackend, TensorInput, TensorOutput } from "./onnx.js";

/** Messages between the main thread and the worker entry (onnx-worker.ts). */
export type ErrorKind = "model_files" | "missing_dependency" | "model_output";
export interface WorkerError {
  kind: ErrorKind;
  message: string;
}
export type FromWorker =
  | { type: "ready"; inputs: IoInfo[]; outputs: IoInfo[] }
  | { type: "fatal"; error: WorkerError }
  | { type: "result"; id: number; outputs: Record<string, TensorOutput> }
  | { type: "encoded"; id: number; pairs: EncodedPairs }
  | { type: "failed"; id: number; error: WorkerError };
export type ToWorker =
  | { type: "run"; id: number; feeds: Record<string, TensorInput>; outputNames?: string[] }
  | { type: "encode"; id: number; dir: string; query: string; texts: readonly string[]; maxLength: number };
export type RunRequest = Extract<ToWorker, { type: "run" }>;
export interface WorkerInit {
  path: string;
  threads: number;
}

export function rebuildError(e: WorkerError): RerankersError {
  if (e.kind === "model_files") return new ModelFilesError(e.message);
  if (e.kind === "missing_dependency")
    return new MissingDependencyError("onnxruntime-node", "local ONNX inference");
  return new ModelOutputError(e.message);
}

/**
 * Start the worker entry next to this file: onnx-worker.js once built. From source (tsx), the entry is .ts and
 * tsx does not hook worker threads by itself, so a tiny bootstrap registers it first.
 */
function spawn(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./onnx-worker.js", import.meta.url), { workerData: init });
  const entry = new URL("./onnx-worker.ts", import.meta.url).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: init });
}

/**
 * An ONNX session living in a worker_threads Worker. Feeds are transferred (not copied) to the worker, so the
 * caller must not reuse them. Runs are answered in order; the worker does not keep the process alive when idle.
 */
export async function createWorkerBackend(path: string, threads: number): Promise<SessionBackend> {
  const worker = spawn({ path, threads });
  // biome-ignore lint/suspicious/noExplicitAny: each id resolves with its own request's answer type
  const pending = new Map<number, { resolve: (o: any) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | undefined;
  const inflight = new Set<Promise<unknown>>();

  const ready = new Promise<{ inputs: IoInfo[]; outputs: IoInfo[] }>((resolve, reject) => {
    const fail = (e: Error) => {
      dead ??= e;
      reject(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    worker.on("message", (msg: FromWorker) => {
      if (msg.type === "ready") resolve({ inputs: msg.inputs, outputs: msg.outputs });
      else if (msg.type === "fatal") fail(rebuildError(msg.error));
      else {
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (pending.size === 0) worker.unref();
        if (msg.type === "result") p.resolve(msg.outputs);
        else if (msg.type === "encoded") p.resolve(msg.pairs);
        else p.reject(rebuildError(msg.error));
      }
    });
    worker.on("error", (e) =>
      fail(new ModelOutputError(`ONNX worker crashed: ${e.message.split("\n")[0]}`, { cause: e })),
    );
    worker.on("exit", (code) => fail(new ModelOutputError(`ONNX worker exited (code ${code})`)));
  });

  let io: { inputs: IoInfo[]; outputs: IoInfo[] };
  try {
    io = await ready;
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  worker.unref();

  function ask<T>(request: ToWorker, transfer: ArrayBuffer[]): Promise<T> {
    const answer = new Promise<T>((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      worker.ref();
      worker.postMessage(request, [...new Set(transfer)]);
    });
    inflight.add(answer);
    const settle = () => inflight.delete(answer);
    answer.then(settle, settle);
    return answer;
  }

  return {
    ...io,
    parallelism: 1,
    encodePairs(dir, query, texts, maxLength) {
      if (dead) return Promise.reject(dead);
      return ask({ type: "encode", id: nextId++, dir, query, texts, maxLength }, []);
    },
    run(feeds, outputNames) {
      if (dead) return Promise.reject(dead);
      for (const [name, t] of Object.entries(feeds)) {
        // A buffer already transferred to the worker is detached (length 0); posting it would never be answered.
        if (t.data.length !== t.dims.reduce((a, b) => a * b, 1)) {
          return Promise.reject(
            new ModelOutputError(
              `ONNX feed ${name} has ${t.data.length} values for shape [${t.dims.join(", ")}] (already transferred to the worker?)`,
            ),
          );
        }
      }
      const transfer = Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer);
      return ask({ type: "run", id: nextId++, feeds, outputNames }, transfer);
    },
    async dispose() {
      dead ??= new ModelOutputError("ONNX worker was closed");
      // Terminating the worker while onnxruntime runs in it aborts the whole process (SIGABRT): let runs finish.
      await Promise.allSettled([...inflight]);
      await worker.terminate();
    },
  };
}

/**
 * Data parallelism: `workers` worker threads, each with its own `threads`-thread session; every run (and every
 * tokenising job) goes to the next idle worker, or waits in one FIFO queue until one is free. On 2 cores two
 * 1-thread sessions beat one 2-thread session: no per-operator thread barrier, and the element-wise and attention
 * operators that do not scale with threads run side by side (see README, Benchmark).
 */
export async function createWorkerPool(
  path: string,
  threads: number,
  workers: number,
): Promise<SessionBackend> {
  const started = await Promise.allSettled(
    Array.from({ length: workers }, () => createWorkerBackend(path, threads)),
  );
  const members = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failure = started.find((r) => r.status === "rejected");
  if (failure) {
    await Promise.all(members.map((m) => m.dispose()));
    throw failure.reason;
  }
  if (members.length === 1) return members[0];
  const idle = [...members];
  const waiting: ((m: SessionBackend) => void)[] = [];
  const release = (m: SessionBackend) => {
    const next = waiting.shift();
    if (next) next(m);
    else idle.push(m);
  };
  async function withMember<T>(job: (m: SessionBackend) => Promise<T>): Promise<T> {
    const m = idle.pop() ?? (await new Promise<SessionBackend>((resolve) => waiting.push(resolve)));
    try {
      return await job(m);
    } finally {
      release(m);
    }
  }
  const encode = (m: SessionBackend) => m.encodePairs as NonNullable<SessionBackend["encodePairs"]>;
  return {
    inputs: members[0].inputs,
    outputs: members[0].outputs,
    parallelism: members.length,
    async encodePairs(dir, query, texts, maxLength) {
      // Split a large request across the workers (tokenising is per pair, so the split changes nothing).
      const parts = texts.length >= 64 ? members.length : 1;
      const size = Math.ceil(texts.length / parts);
      const chunks = await Promise.all(
        Array.from({ length: parts }, (_, k) =>
          withMember((m) => encode(m)(dir, query, texts.slice(k * size, (k + 1) * size), maxLength)),
        ),
      );
      return chunks.length === 1 ? chunks[0] : concatEncoded(chunks);
    },
    run: (feeds, outputNames) => withMember((m) => m.run(feeds, outputNames)),
    async dispose() {
      await Promise.all(members.map((m) => m.dispose()));
    },
  };
}

function concatEncoded(parts: EncodedPairs[]): EncodedPairs {
  const pairs = parts.reduce((n, p) => n + p.truncated.length, 0);
  const tokens = parts.reduce((n, p) => n + p.ids.length, 0);
  const out: EncodedPairs = {
    ids: new Int32Array(tokens),
    typeIds: new Int32Array(tokens),
    offsets: new Int32Array(pairs + 1),
    truncated: new Uint8Array(pairs),
  };
  let t = 0;
  let k = 0;
  for (const p of parts) {
    out.ids.set(p.ids, t);
    out.typeIds.set(p.typeIds, t);
    out.truncated.set(p.truncated, k);
    for (let j = 1; j < p.offsets.length; j++) out.offsets[k + j] = t + p.offsets[j];
    t += p.ids.length;
    k += p.truncated.length;
  }
  return out;
}
