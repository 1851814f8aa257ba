/** Worker entry for `worker: true` sessions (see worker.ts): one session, runs answered in order. */
import { parentPort, workerData } from "node:worker_threads";
import { RerankersError } from "../core/errors.js";
import { createLocalBackend } from "./onnx.js";
import type { ErrorKind, FromWorker, RunRequest, WorkerError, WorkerInit } from "./worker.js";

function toWorkerError(e: unknown): WorkerError {
  const kind: ErrorKind =
    e instanceof RerankersError && (e.code === "model_files" || e.code === "missing_dependency")
      ? e.code
      : "model_output";
  return { kind, message: String((e as Error)?.message ?? e) };
}

const port = parentPort;
if (!port) throw new Error("onnx-worker must run in a worker thread");
const send = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const init = workerData as WorkerInit;

try {
  const backend = await createLocalBackend(init.path, init.threads);
  port.on("message", async (req: RunRequest) => {
    try {
      const outputs = await backend.run(req.feeds, req.outputNames);
      const buffers = Object.values(outputs).map((o) => o.data.buffer as ArrayBuffer);
      send({ type: "result", id: req.id, outputs }, [...new Set(buffers)]);
    } catch (e) {
      send({ type: "failed", id: req.id, error: toWorkerError(e) });
    }
  });
  send({ type: "ready", inputs: backend.inputs, outputs: backend.outputs });
} catch (e) {
  send({ type: "fatal", error: toWorkerError(e) });
}
