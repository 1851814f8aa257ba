import { pathToFileURL } from "node:url";
import { maxSim, normaliseRows, type TokenMatrix } from "../src/engine/maxsim.js";

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

/**
 * MaxSim throughput: one query (32 tokens) against 1,000 documents of 180 tokens, 128 dims.
 * FLOPs = 2 * Lq * Ld * d * N (one multiply and one add per term).
 */
export async function runMaxSimBench(): Promise<Record<string, unknown>> {
  const lq = 32;
  const ld = 180;
  const dim = 128;
  const n = 1000;
  const query = randomMatrix(lq, dim, 1);
  const docs = Array.from({ length: n }, (_, i) => randomMatrix(ld, dim, 1000 + i));
  const scratch = new Float64Array(lq);
  const scores = new Float64Array(n);
  const pass = () => {
    for (let i = 0; i < n; i++) scores[i] = maxSim(query, docs[i], lq, scratch);
  };
  pass(); // warm-up (JIT)
  const runs = 5;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    pass();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(runs / 2)];
  const flops = 2 * lq * ld * dim * n;
  return {
    name: "maxsim",
    queryTokens: lq,
    docTokens: ld,
    dim,
    documents: n,
    runs,
    medianMs: Number(medianMs.toFixed(2)),
    minMs: Number(times[0].toFixed(2)),
    gflops: Number((flops / (medianMs / 1000) / 1e9).toFixed(2)),
    checksum: Number(scores.reduce((a, b) => a + b, 0).toFixed(4)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await runMaxSimBench(), null, 2));
}
