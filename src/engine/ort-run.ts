/**
 * Running an onnxruntime session with our tensor types, shared by onnxruntime-node (engine/onnx.ts) and
 * onnxruntime-web (browser/ort-web.ts): both are onnxruntime-common sessions. No Node built-in, so the browser
 * bundle can use it.
 */
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { ModelOutputError } from "../core/errors.js";
import type { IoInfo, TensorInput, TensorOutput } from "./onnx.js";
import { toFloat32 } from "./tensor-data.js";

/** The first line of an onnxruntime error (its messages can run to pages). */
export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split("\n")[0]
    .slice(0, 300);
}

export interface QueuedSession {
  inputs: IoInfo[];
  outputs: IoInfo[];
  /** Safe to call concurrently: runs execute one after another. */
  run(feeds: Record<string, TensorInput>, outputNames?: string[]): Promise<Record<string, TensorOutput>>;
  /** Resolves when every run started so far has finished. */
  drain(): Promise<void>;
}

/** The session's inputs and outputs as `IoInfo`, and a queued `run` that converts feeds and outputs. */
export function queuedSession(TensorClass: typeof Tensor, session: InferenceSession): QueuedSession {
  const info = (m: InferenceSession.ValueMetadata): IoInfo =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: [...m.shape] }
      : { name: m.name, type: "non-tensor", shape: [] };

  async function runNow(feeds: Record<string, TensorInput>, outputNames?: string[]) {
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new TensorClass(t.type, t.data, t.dims);
    let result: InferenceSession.ReturnType;
    try {
      result = outputNames ? await session.run(ortFeeds, outputNames) : await session.run(ortFeeds);
    } catch (cause) {
      throw new ModelOutputError(`ONNX inference failed: ${firstLine(cause)}`, { cause });
    }
    const out: Record<string, TensorOutput> = {};
    for (const [name, tensor] of Object.entries(result)) {
      out[name] = { data: toFloat32(tensor.type, tensor.data), dims: [...tensor.dims] };
    }
    return out;
  }

  let queue: Promise<unknown> = Promise.resolve();
  return {
    inputs: session.inputMetadata.map(info),
    outputs: session.outputMetadata.map(info),
    run(feeds, outputNames) {
      const p = queue.then(() => runNow(feeds, outputNames));
      queue = p.catch(() => {});
      return p;
    },
    async drain() {
      await queue;
    },
  };
}
