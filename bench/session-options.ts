/**
 * onnxruntime session options, A/B on the bench workload: the library's session (2 threads by default,
 * graphOptimizationLevel "all", sequential, the rewritten graph) against the same with spinning off, the memory
 * pattern off and the CPU arena off, interleaved round by round (rotating which goes first) so the machine's load
 * hits every variant alike.
 * Prints each variant's best docs/s and its ratio to the library's session.
 *
 *   node --import tsx bench/session-options.ts                 # fp32, 2 threads, 3 rounds, 4 queries
 *   OPTIONS_THREADS=1 OPTIONS_DTYPE=q8 OPTIONS_ROUNDS=5 OPTIONS_QUERIES=12 node --import tsx bench/session-options.ts
 */
import type { InferenceSession } from "onnxruntime-node";
import { encoderTokenBudget } from "../src/engine/batching.js";
import { fusedModelPath } from "../src/engine/fused-model.js";
import { findOnnxFile } from "../src/engine/model-files.js";
import { loadOrt } from "../src/engine/onnx.js";
import { bertFeeds, MODEL_DIR, workloadBatches } from "./workload-batches.js";

const threads = Number(process.env.OPTIONS_THREADS ?? 2);
const dtype = (process.env.OPTIONS_DTYPE ?? "fp32") as "fp32" | "q8";
const rounds = Number(process.env.OPTIONS_ROUNDS ?? 3);
const queries = Number(process.env.OPTIONS_QUERIES ?? 4);

const LIBRARY: InferenceSession.SessionOptions = {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};
const VARIANTS: [string, InferenceSession.SessionOptions][] = [
  ["library (spinning on, memory pattern on, arena on)", LIBRARY],
  ["spinning off", { ...LIBRARY, extra: { session: { intra_op: { allow_spinning: "0" } } } }],
  ["memory pattern off", { ...LIBRARY, enableMemPattern: false }],
  ["CPU arena off", { ...LIBRARY, enableCpuMemArena: false }],
];

const ort = await loadOrt();
const model = await fusedModelPath(await findOnnxFile(MODEL_DIR, "model", dtype));
const work = await workloadBatches(encoderTokenBudget(threads), queries);
const feeds = work.batches.map((b) => bertFeeds(ort, b));
const sessions = await Promise.all(VARIANTS.map(([, o]) => ort.InferenceSession.create(model, o)));
for (const s of sessions) await s.run(feeds[0]); // warm-up

const best = VARIANTS.map(() => 0);
for (let round = 0; round < rounds; round++) {
  // Each round starts with the next variant, so no variant always runs first (or right after another).
  for (let k = 0; k < sessions.length; k++) {
    const i = (round + k) % sessions.length;
    const s = sessions[i];
    const t0 = performance.now();
    for (const f of feeds) await s.run(f);
    const docsPerSec = work.pairs / ((performance.now() - t0) / 1000);
    best[i] = Math.max(best[i], docsPerSec);
    console.log(`round ${round + 1} ${VARIANTS[i][0]}: ${docsPerSec.toFixed(1)} docs/s`);
  }
}
console.log(
  `\n${dtype}, ${threads} thread(s), ${work.batches.length} batches of ≤ ${encoderTokenBudget(threads)} tokens, best of ${rounds}:`,
);
for (const [i, [name]] of VARIANTS.entries())
  console.log(`${name}: ${best[i].toFixed(1)} docs/s = ${(best[i] / best[0]).toFixed(3)} × the library's`);
await Promise.all(sessions.map((s) => s.release()));
