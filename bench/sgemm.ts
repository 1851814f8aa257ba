/**
 * The machine's matrix-multiply peak as onnxruntime sees it: one-node MatMul graphs (fp32), encoded here as ONNX
 * ModelProtos with a minimal protobuf writer (no dependency), run with N threads. Which shape runs fastest depends
 * on the CPU's caches (1024² reaches its best on a 2 MB-L2 Intel core but not on a 1 MB-L2 AMD one, where the
 * model's own GEMMs run faster than it), so the peak is the best of the square 1024² and the model's own largest
 * GEMMs, with their weights constant as in the model (onnxruntime pre-packs those once).
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

/** C[m, n] = A[m, k] x B[k, n]; B is a graph input, or a constant initializer (pre-packed, as model weights are). */
export interface GemmShape {
  m: number;
  k: number;
  n: number;
  constantB: boolean;
}

export const square = (n: number): GemmShape => ({ m: n, k: n, n, constantB: false });
export const describeShape = (s: GemmShape) =>
  `${s.m}x${s.k}·${s.k}x${s.n}${s.constantB ? " (constant B)" : ""}`;
const flop = (s: GemmShape) => 2 * s.m * s.k * s.n;

/** Deterministic values in [-0.5, 0.5). */
const fill = (length: number, prime: number) =>
  new Float32Array(length).map((_, i) => ((i * prime) % 1000) / 1000 - 0.5);

/** ModelProto for C = A x B. */
export function matMulModel(shape: GemmShape): Uint8Array {
  const { m, k, n, constantB } = shape;
  const node = new Proto()
    .string(1, "A")
    .string(1, "B")
    .string(2, "C")
    .string(3, "matmul")
    .string(4, "MatMul");
  const graph = new Proto().message(1, node).string(2, "sgemm");
  if (constantB) {
    const data = fill(k * n, 104729);
    // TensorProto { dims k, n; data_type FLOAT; name "B"; raw_data }
    const tensor = new Proto()
      .int(1, k)
      .int(1, n)
      .int(2, FLOAT)
      .string(8, "B")
      .message(9, new Uint8Array(data.buffer));
    graph.message(5, tensor);
  } else graph.message(11, tensorInfo("B", [k, n]));
  graph.message(11, tensorInfo("A", [m, k])).message(12, tensorInfo("C", [m, n]));
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

export interface PeakSampler extends SgemmSampler {
  /** Each shape and thread layout with the best rate it reached so far, GFLOP/s. */
  best: { label: string; gflops: number }[];
}

/** Labelled samplers sampled in turn: a sample is the best rate among them. */
function bestOf(samplers: { label: string; sampler: SgemmSampler }[]): PeakSampler {
  const best = samplers.map(({ label }) => ({ label, gflops: 0 }));
  return {
    best,
    async sample(runs = 8) {
      let top = 0;
      for (const [i, { sampler }] of samplers.entries()) {
        const rate = await sampler.sample(runs);
        best[i].gflops = Math.max(best[i].gflops, rate);
        top = Math.max(top, rate);
      }
      return top;
    },
    async close() {
      for (const { sampler } of samplers) await sampler.close();
    },
  };
}

/**
 * The SGEMM rate both ways the cores can be used, best of the two per sample: one session with N intra-op
 * threads, and N worker threads each running a 1-thread session at the same time (as the data-parallel model
 * does). On a quiet machine they agree; on a loaded one the N-thread GEMM loses more to its thread barrier, and
 * taking the better of the two keeps the peak the harder target.
 */
export async function sgemmPeakSampler(
  threads: number,
  shapes: GemmShape[] = [square(1024)],
): Promise<PeakSampler> {
  const samplers: { label: string; sampler: SgemmSampler }[] = [];
  for (const shape of shapes) {
    const label = describeShape(shape);
    samplers.push({ label: `${label}, ${threads} threads`, sampler: await sgemmSampler(threads, shape) });
    if (threads > 1)
      samplers.push({
        label: `${label}, ${threads} x 1 thread`,
        sampler: await parallelSgemmSampler(threads, shape),
      });
  }
  return bestOf(samplers);
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ort);
(async () => {
  const { m, k, n, constantB } = workerData.shape;
  const session = await ort.InferenceSession.create(workerData.model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all",
  });
  const fill = (length, prime) => new Float32Array(length).map((_, i) => ((i * prime) % 1000) / 1000 - 0.5);
  const feeds = { A: new ort.Tensor("float32", fill(m * k, 7919), [m, k]) };
  if (!constantB) feeds.B = new ort.Tensor("float32", fill(k * n, 104729), [k, n]);
  await session.run(feeds);
  parentPort.on("message", async (msg) => {
    if (msg === "close") { await session.release(); parentPort.close(); return; }
    for (let i = 0; i < msg; i++) await session.run(feeds);
    parentPort.postMessage("done");
  });
  parentPort.postMessage("ready");
})();
`;

/** `threads` worker threads, each with a 1-thread MatMul session, timed together (untimed warm-up first). */
async function parallelSgemmSampler(threads: number, shape: GemmShape): Promise<SgemmSampler> {
  const ort = createRequire(import.meta.url).resolve("onnxruntime-node");
  const model = matMulModel(shape);
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData: { ort, shape, model } }),
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
      return (flop(shape) * runs * threads) / ((performance.now() - t0) / 1000) / 1e9;
    },
    async close() {
      for (const w of workers) w.postMessage("close");
      await Promise.all(workers.map((w) => new Promise((r) => w.once("exit", r))));
    },
  };
}

/** One MatMul session with N intra-op threads, to sample the SGEMM rate between other measurements. */
export async function sgemmSampler(threads: number, shape: GemmShape = square(1024)): Promise<SgemmSampler> {
  const ort = await loadOrt();
  const { m, k, n, constantB } = shape;
  const session = await ort.InferenceSession.create(matMulModel(shape), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
    A: new ort.Tensor("float32", fill(m * k, 7919), [m, k]),
  };
  if (!constantB) feeds.B = new ort.Tensor("float32", fill(k * n, 104729), [k, n]);
  for (let i = 0; i < 2; i++) await session.run(feeds);
  return {
    async sample(runs = 8) {
      // Untimed runs first: after other work the pool threads are asleep and the caches hold other data.
      for (let i = 0; i < 2; i++) await session.run(feeds);
      const t0 = performance.now();
      for (let i = 0; i < runs; i++) await session.run(feeds);
      return (flop(shape) * runs) / ((performance.now() - t0) / 1000) / 1e9;
    },
    close: () => session.release(),
  };
}
