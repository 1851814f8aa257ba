/**
 * The machine's matrix-multiply peak as onnxruntime sees it: a one-node MatMul graph (n x n by n x n, fp32),
 * encoded here as an ONNX ModelProto with a minimal protobuf writer (no dependency), run with N threads.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { loadOrt } from "../src/engine/onnx.js";

/** Protobuf wire format: varints and length-delimited fields are all a ModelProto needs. */
class Proto {
  private readonly bytes: number[] = [];

  private varint(value: number): void {
    let v = value;
    while (v > 0x7f) {
      this.bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }

  int(field: number, value: number): this {
    this.varint((field << 3) | 0);
    this.varint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.message(field, new TextEncoder().encode(value));
  }

  message(field: number, body: Uint8Array | Proto): this {
    const b = body instanceof Proto ? body.finish() : body;
    this.varint((field << 3) | 2);
    this.varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1;

/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type, shape { dim* } } } } */
function tensorInfo(name: string, dims: number[]): Proto {
  const shape = new Proto();
  for (const d of dims) shape.message(1, new Proto().int(1, d));
  const tensorType = new Proto().int(1, FLOAT).message(2, shape);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
}

/** ModelProto for C = A x B with A, B: [n, n] float32 graph inputs. */
export function matMulModel(n: number): Uint8Array {
  const node = new Proto()
    .string(1, "A")
    .string(1, "B")
    .string(2, "C")
    .string(3, "matmul")
    .string(4, "MatMul");
  const graph = new Proto()
    .message(1, node)
    .string(2, "sgemm")
    .message(11, tensorInfo("A", [n, n]))
    .message(11, tensorInfo("B", [n, n]))
    .message(12, tensorInfo("C", [n, n]));
  return new Proto()
    .int(1, 8) // ir_version
    .string(2, "rerankers-bench") // producer_name
    .message(7, graph)
    .message(8, new Proto().string(1, "").int(2, 17)) // opset_import { domain "", version 17 }
    .finish();
}

export interface SgemmSampler {
  /** GFLOP/s of `runs` back-to-back MatMuls, after two untimed ones. */
  sample(runs?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The SGEMM rate both ways the cores can be used, best of the two per sample: one session with N intra-op
 * threads, and N worker threads each running a 1-thread session at the same time (as the data-parallel model
 * does). On a quiet machine they agree; on a loaded one the N-thread GEMM loses more to its thread barrier, and
 * taking the better of the two keeps the peak the harder target.
 */
export async function sgemmPeakSampler(threads: number, n = 1024): Promise<SgemmSampler & { last: string }> {
  const intra = await sgemmSampler(threads, n);
  const parallel = threads > 1 ? await parallelSgemmSampler(threads, n) : undefined;
  const sampler = {
    last: "",
    async sample(runs = 8) {
      const a = await intra.sample(runs);
      const b = parallel ? await parallel.sample(runs) : 0;
      sampler.last = `${Math.round(a)} (${threads} threads) / ${Math.round(b)} (${threads} x 1 thread)`;
      return Math.max(a, b);
    },
    async close() {
      await intra.close();
      await parallel?.close();
    },
  };
  return sampler;
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ort);
(async () => {
  const n = workerData.n;
  const session = await ort.InferenceSession.create(workerData.model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all",
  });
  const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const feeds = { A: new ort.Tensor("float32", a, [n, n]), B: new ort.Tensor("float32", b, [n, n]) };
  await session.run(feeds);
  parentPort.on("message", async (m) => {
    if (m === "close") { await session.release(); parentPort.close(); return; }
    for (let i = 0; i < m; i++) await session.run(feeds);
    parentPort.postMessage("done");
  });
  parentPort.postMessage("ready");
})();
`;

/** `threads` worker threads, each with a 1-thread MatMul session, timed together (untimed warm-up first). */
async function parallelSgemmSampler(threads: number, n: number): Promise<SgemmSampler> {
  const ort = createRequire(import.meta.url).resolve("onnxruntime-node");
  const model = matMulModel(n);
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData: { ort, n, model } }),
  );
  const next = (w: Worker) => new Promise<void>((resolve) => w.once("message", () => resolve()));
  await Promise.all(workers.map(next));
  const all = async (runs: number) => {
    const done = workers.map(next);
    for (const w of workers) w.postMessage(runs);
    await Promise.all(done);
  };
  return {
    async sample(runs = 8) {
      await all(2);
      const t0 = performance.now();
      await all(runs);
      return (2 * n * n * n * runs * threads) / ((performance.now() - t0) / 1000) / 1e9;
    },
    async close() {
      for (const w of workers) w.postMessage("close");
      await Promise.all(workers.map((w) => new Promise((r) => w.once("exit", r))));
    },
  };
}

/** An n x n MatMul session with N intra-op threads, to sample the SGEMM rate between other measurements. */
export async function sgemmSampler(threads: number, n = 1024): Promise<SgemmSampler> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(matMulModel(n), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const feeds = { A: new ort.Tensor("float32", a, [n, n]), B: new ort.Tensor("float32", b, [n, n]) };
  for (let i = 0; i < 2; i++) await session.run(feeds);
  return {
    async sample(runs = 8) {
      // Untimed runs first: after other work the pool threads are asleep and the caches hold other data.
      for (let i = 0; i < 2; i++) await session.run(feeds);
      const t0 = performance.now();
      for (let i = 0; i < runs; i++) await session.run(feeds);
      return (2 * n * n * n * runs) / ((performance.now() - t0) / 1000) / 1e9;
    },
    close: () => session.release(),
  };
}
