import { Worker } from "node:worker_threads";
import {
  MissingDependencyError,
  ModelFilesError,
  ModelOutputError,
  type RerankersError,
} from "../core/errors.js";
import type { IoInfo, SessionBackend, TensorInput, TensorOutput } from "./onnx.js";

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
  | { type: "failed"; id: number; error: WorkerError };
export interface RunRequest {
  type: "run";
  id: number;
  feeds: Record<string, TensorInput>;
  outputNames?: string[];
}
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
  const pending = new Map<
    number,
    { resolve: (o: Record<string, TensorOutput>) => void; reject: (e: Error) => void }
  >();
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

  return {
    ...io,
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
      const id = nextId++;
      const transfer = Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer);
      const request: RunRequest = { type: "run", id, feeds, outputNames };
      const answer = new Promise<Record<string, TensorOutput>>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage(request, [...new Set(transfer)]);
      });
      inflight.add(answer);
      const settle = () => inflight.delete(answer);
      answer.then(settle, settle);
      return answer;
    },
    async dispose() {
      dead ??= new ModelOutputError("ONNX worker was closed");
      // Terminating the worker while onnxruntime runs in it aborts the whole process (SIGABRT): let runs finish.
      await Promise.allSettled([...inflight]);
      await worker.terminate();
    },
  };
}
