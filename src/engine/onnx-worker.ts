/** Worker entry for `worker: true` sessions (see worker.ts): one session, runs answered in order. */
import { parentPort, workerData } from "node:worker_threads";
import { RerankersError } from "../core/errors.js";
import { createLocalBackend, type EncodedPairs } from "./onnx.js";
import { Tokenizer } from "./tokenizer.js";
import type { ErrorKind, FromWorker, ToWorker, WorkerError, WorkerInit } from "./worker.js";

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

const tokenizers = new Map<string, Promise<Tokenizer>>();

/** Tokenise (query, text) pairs here, so a large request does not block the main thread's event loop. */
async function encode(dir: string, query: string, texts: readonly string[], maxLength: number) {
  let tokenizer = tokenizers.get(dir);
  if (!tokenizer) {
    tokenizer = Tokenizer.fromDir(dir);
    tokenizers.set(dir, tokenizer);
    tokenizer.catch(() => tokenizers.delete(dir));
  }
  const tok = await tokenizer;
  const encodings = texts.map((t) => tok.encodePair(query, t, maxLength));
  const offsets = new Int32Array(encodings.length + 1);
  encodings.forEach((e, k) => {
    offsets[k + 1] = offsets[k] + e.ids.length;
  });
  const pairs: EncodedPairs = {
    ids: new Int32Array(offsets[encodings.length]),
    typeIds: new Int32Array(offsets[encodings.length]),
    offsets,
    truncated: Uint8Array.from(encodings, (e) => (e.truncated ? 1 : 0)),
  };
  encodings.forEach((e, k) => {
    pairs.ids.set(e.ids, offsets[k]);
    pairs.typeIds.set(e.typeIds, offsets[k]);
  });
  return pairs;
}

try {
  const backend = await createLocalBackend(init.path, init.threads);
  port.on("message", async (req: ToWorker) => {
    try {
      if (req.type === "encode") {
        const pairs = await encode(req.dir, req.query, req.texts, req.maxLength);
        send({ type: "encoded", id: req.id, pairs }, [
          pairs.ids.buffer,
          pairs.typeIds.buffer,
          pairs.offsets.buffer,
          pairs.truncated.buffer,
        ] as ArrayBuffer[]);
        return;
      }
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
