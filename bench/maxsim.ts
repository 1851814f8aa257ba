import { pathToFileURL } from "node:url";
import {
  type MaxSimBackend,
  MaxSimQuery,
  maxSimBackend,
  normaliseRows,
  type TokenMatrix,
} from "../src/engine/maxsim.js";

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32), so runs are comparable. */
function randomMatrix(rows: number, dim: number, seed: number): TokenMatrix {
  let s = seed >>> 0;
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return normaliseRows({ data, rows, dim });
}

function timeKernel(query: TokenMatrix, docs: TokenMatrix[], backend: MaxSimBackend) {
  const kernel = new MaxSimQuery(query, query.rows, { backend });
  const scores = new Float64Array(docs.length);
  const pass = () => {
    for (let i = 0; i < docs.length; i++) scores[i] = kernel.score(docs[i]);
  };
  pass(); // warm-up (JIT, WebAssembly tier-up)
  const runs = 5;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    pass();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    runs,
    medianMs: times[Math.floor(runs / 2)],
    minMs: times[0],
    checksum: scores.reduce((a, b) => a + b, 0),
  };
}

/**
 * MaxSim throughput: one query (32 tokens) against 1,000 documents of 180 tokens, 128 dims, with the kernel the
 * library uses by default (WebAssembly SIMD when available) and with the JavaScript fallback.
 * FLOPs = 2 * Lq * Ld * d * N (one multiply and one add per term). Document copies into WebAssembly memory are
 * part of the timed work, as in real use.
 */
export async function runMaxSimBench(): Promise<Record<string, unknown>> {
  const lq = 32;
  const ld = 180;
  const dim = 128;
  const n = 1000;
  const query = randomMatrix(lq, dim, 1);
  const docs = Array.from({ length: n }, (_, i) => randomMatrix(ld, dim, 1000 + i));
  const flops = 2 * lq * ld * dim * n;
  const gflops = (ms: number) => Number((flops / (ms / 1000) / 1e9).toFixed(2));
  const backend = maxSimBackend();
  const main = timeKernel(query, docs, backend);
  const js = backend === "js" ? main : timeKernel(query, docs, "js");
  return {
    name: "maxsim",
    queryTokens: lq,
    docTokens: ld,
    dim,
    documents: n,
    backend,
    runs: main.runs,
    medianMs: Number(main.medianMs.toFixed(2)),
    minMs: Number(main.minMs.toFixed(2)),
    gflops: gflops(main.medianMs),
    jsMedianMs: Number(js.medianMs.toFixed(2)),
    jsGflops: gflops(js.medianMs),
    // Both kernels see the same data: their checksums agree to float32 accumulation error.
    checksum: Number(main.checksum.toFixed(3)),
    jsChecksum: Number(js.checksum.toFixed(3)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await runMaxSimBench(), null, 2));
}
