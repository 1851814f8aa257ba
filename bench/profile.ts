/**
 * Where the cross-encoder's time goes, per ONNX node type: runs the bench workload's length-sorted, token-budget
 * batches through one fp32 (or q8) session with onnxruntime's profiler on, then sums the profiler's node events by
 * op type (share of the summed kernel time) and reports the session's wall time per run around them.
 *
 *   node --import tsx bench/profile.ts                      # fp32, 2 threads, budget 2048
 *   PROFILE_DTYPE=q8 PROFILE_THREADS=1 PROFILE_BUDGET=4096 PROFILE_OPT=extended node --import tsx bench/profile.ts
 *   PROFILE_FUSE=0 node --import tsx bench/profile.ts        # the exported graph as is (no attention fusion)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fusedModelPath } from "../src/engine/fused-model.js";
import { findOnnxFile } from "../src/engine/model-files.js";
import { defaultThreads, loadOrt } from "../src/engine/onnx.js";
import { bertFeeds, MODEL_DIR, workloadBatches } from "./workload-batches.js";

const dtype = process.env.PROFILE_DTYPE ?? "fp32";
const threads = Number(process.env.PROFILE_THREADS ?? defaultThreads());
const budget = Number(process.env.PROFILE_BUDGET ?? 2048);
const opt = (process.env.PROFILE_OPT ?? "all") as "all" | "extended" | "basic" | "disabled";
const queries = Number(process.env.PROFILE_QUERIES ?? 4);

const ort = await loadOrt();
const tmp = mkdtempSync(join(tmpdir(), "rerankers-profile-"));
const exported = await findOnnxFile(MODEL_DIR, "model", dtype as "fp32" | "q8");
// The graph the library loads: attention fused (engine/fused-model.ts) unless PROFILE_FUSE=0.
const session = await ort.InferenceSession.create(
  process.env.PROFILE_FUSE === "0" ? exported : await fusedModelPath(exported),
  {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: opt,
    enableProfiling: true,
    profileFilePrefix: join(tmp, "ort"),
  },
);

const { batches, tokens, paddedTokens, usefulGflop } = await workloadBatches(budget, queries);
const feeds = (b: (typeof batches)[number]) => bertFeeds(ort, b);

const t0 = performance.now();
for (const b of batches) await session.run(feeds(b));
const wallMs = performance.now() - t0;
session.endProfiling();
await session.release();

const { readdirSync } = await import("node:fs");
const file = readdirSync(tmp).find((f) => f.endsWith(".json"));
if (!file) throw new Error("onnxruntime wrote no profile");
const events = JSON.parse(readFileSync(join(tmp, file), "utf8")) as {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}[];
rmSync(tmp, { recursive: true, force: true });

const byOp = new Map<string, number>();
/** Node names with layer and index numbers folded, so the six layers' copies of a node add up. */
const byNode = new Map<string, number>();
let nodeUs = 0;
let runUs = 0;
for (const e of events) {
  if (e.cat === "Session" && e.name === "model_run") runUs += e.dur;
  if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
  const op = e.args?.op_name ?? "?";
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  const node = `${op} ${e.name.replace(/_kernel_time$/, "").replace(/\d+/g, "#")}`;
  byNode.set(node, (byNode.get(node) ?? 0) + e.dur);
  nodeUs += e.dur;
}
const rows = [...byOp].sort((a, b) => b[1] - a[1]);
console.log(
  `${dtype}, ${threads} threads, budget ${budget}, opt ${opt}: ${batches.length} runs, ${tokens} tokens (${paddedTokens} padded), wall ${wallMs.toFixed(0)} ms, ORT model_run ${(runUs / 1000).toFixed(0)} ms, kernels ${(nodeUs / 1000).toFixed(0)} ms`,
);
console.log(
  `useful ${usefulGflop.toFixed(1)} GFLOP -> ${(usefulGflop / (wallMs / 1000)).toFixed(0)} GFLOP/s; outside kernels ${(100 * (1 - nodeUs / runUs)).toFixed(1)}% of model_run`,
);
for (const [op, us] of rows)
  console.log(
    `${op.padEnd(28)} ${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / nodeUs).toFixed(1).padStart(5)}%`,
  );
console.log("\nby node (layers folded), over 1%:");
for (const [node, us] of [...byNode].sort((a, b) => b[1] - a[1]))
  if (us / nodeUs >= 0.01) console.log(`${((100 * us) / nodeUs).toFixed(1).padStart(5)}%  ${node}`);
