/**
 * `npm run bench`: cross-encoder throughput (bench/cross-encoder.ts) against the SGEMM peak (bench/sgemm.ts)
 * measured in the same run, plus the MaxSim benchmark (bench/maxsim.ts). Rounds interleave an SGEMM sample with
 * each pass (naive fp32, ours fp32, q8, server), so load on a shared machine hits the peak and the model alike;
 * every figure is the best of its rounds. Prints a summary with each target's PASS/FAIL, then JSON.
 * Knobs: BENCH_ROUNDS (3), BENCH_THREADS (all cores), BENCH_WORKERS (= threads: one 1-thread session per core),
 * BENCH_TOKEN_BUDGET (2048), BENCH_QUERIES (12), BENCH_CLIENTS (16), BENCH_SKIP_UNBATCHED=1, BENCH_SKIP_MAXSIM=1.
 */
import { cpus } from "node:os";
import { TOKENS_PER_THREAD } from "../src/engine/batching.js";
import { defaultThreads } from "../src/engine/onnx.js";
import { crossEncoderBench, GEOMETRY, type PassResult } from "./cross-encoder.js";
import { describeShape, type GemmShape, sgemmPeakSampler, square } from "./sgemm.js";

const env = (k: string) => (process.env[k] ? Number(process.env[k]) : undefined);
const threads = env("BENCH_THREADS") ?? defaultThreads();
const workers = env("BENCH_WORKERS") ?? threads;
const rounds = env("BENCH_ROUNDS") ?? 3;
const started = performance.now();
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

// The issue's reference peak (MatMul 1024²) and the model's own feed-forward GEMMs, for a batch of one thread's
// default share (512 tokens) and of 2048 tokens: which size runs fastest depends on the CPU's caches.
const { hidden, intermediate } = GEOMETRY;
const peakShapes: GemmShape[] = [
  square(1024),
  ...[TOKENS_PER_THREAD, 2048].flatMap((m) => [
    { m, k: hidden, n: intermediate, constantB: true },
    { m, k: intermediate, n: hidden, constantB: true },
  ]),
];
const sgemm = await sgemmPeakSampler(threads, peakShapes);
const ce = await crossEncoderBench({
  threads,
  workers,
  tokenBudget: env("BENCH_TOKEN_BUDGET"),
  queries: env("BENCH_QUERIES"),
  clients: env("BENCH_CLIENTS"),
  serverWorkers: env("BENCH_SERVER_WORKERS"),
});
const samples: number[] = [];
type Variant = "naive" | "fp32" | "fp32Intra" | "q8" | "server";
const passes: Record<Variant, PassResult[]> = { naive: [], fp32: [], fp32Intra: [], q8: [], server: [] };
let serverErrors = 0;
for (let r = 0; r < rounds; r++) {
  for (const v of ["naive", "fp32", "fp32Intra", "q8", "server"] as const) {
    samples.push(await sgemm.sample(8));
    const res = await ce[v]();
    if ("errors" in res) serverErrors += res.errors as number;
    passes[v].push(res);
    log(
      `round ${r + 1}/${rounds} ${v}: ${res.docsPerSec} docs/s; SGEMM ${Math.round(samples.at(-1) ?? 0)} GFLOP/s`,
    );
  }
}
samples.push(await sgemm.sample(8));
await sgemm.close();
const maxDiff = process.env.BENCH_SKIP_UNBATCHED === "1" ? undefined : await ce.maxDiffVsUnbatched();
const top1 = ce.top1Agreement();
const tokenizeMs = ce.tokenizeMs;
const loadMs = ce.loadMs;
await ce.close();

const best = (v: Variant) => passes[v].reduce((a, b) => (b.docsPerSec > a.docsPerSec ? b : a));
const sorted = [...samples].sort((a, b) => a - b);
const peak = sorted[sorted.length - 1];
const medianPeak = sorted[Math.floor(sorted.length / 2)];
const naive = best("naive");
// Ours fp32 is the better of the two library setups (data-parallel workers, one in-process session): which one
// wins depends on the machine and its load, and a user picks the faster one for theirs.
const fp32Workers = best("fp32");
const fp32Intra = best("fp32Intra");
const intraWins = fp32Intra.docsPerSec > fp32Workers.docsPerSec;
const fp32 = intraWins ? fp32Intra : fp32Workers;
const fp32Setup = intraWins
  ? `1 in-process session x ${threads} threads`
  : `${workers} worker session(s) x ${Math.max(1, Math.floor(threads / workers))} thread(s)`;
const q8 = best("q8");
const server = best("server");
// Useful work: every pair at its own length (no padding), 2 x multiply-adds of every MatMul (cross-encoder.ts).
const usefulGflops = ce.usefulGflop / (fp32.ms / 1000);
// What the fp32 graph actually ran: padding adds work, a first-token-only last layer removes some.
const executedGflops = ce.oursPaddedGflop[intraWins ? "inProcess" : "workers"] / (fp32.ms / 1000);
const ofPeak = usefulGflops / peak;
const q8VsNaive = q8.docsPerSec / naive.docsPerSec;
const serverVsLibrary = server.docsPerSec / fp32.docsPerSec;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const targets = {
  fp32OfPeak: { value: round(ofPeak, 3), target: ">= 0.80", pass: ofPeak >= 0.8 },
  q8VsNaiveFp32: { value: round(q8VsNaive, 2), target: ">= 3.5", pass: q8VsNaive >= 3.5 },
  serverVsLibrary: {
    value: round(serverVsLibrary, 2),
    target: ">= 0.90",
    pass: serverVsLibrary >= 0.9 && serverErrors === 0,
  },
  fp32BatchedEqualsUnbatched: {
    value: maxDiff,
    target: "<= 1e-4",
    pass: maxDiff === undefined ? "not checked" : maxDiff <= 1e-4,
  },
};

const report: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    loadAverage: (await import("node:os")).loadavg().map((x) => round(x, 2)),
  },
  config: { threads, workers, threadsPerWorker: Math.max(1, Math.floor(threads / workers)), rounds },
  workload: {
    pairs: ce.pairs,
    meanTokens: ce.meanTokens,
    truncated: ce.truncated,
    usefulGflop: ce.usefulGflop,
    usefulGflopPerPair: round(ce.usefulGflop / ce.pairs, 3),
    naivePaddedGflop: ce.naivePaddedGflop,
    naivePaddedTokensPerPair: ce.naivePaddedTokensPerPair,
    oursPaddedGflop: ce.oursPaddedGflop,
    tokenBudget: ce.tokenBudget,
  },
  sgemm: {
    shapes: peakShapes.map(describeShape),
    bestPerShape: Object.fromEntries(sgemm.best.map((b) => [b.label, round(b.gflops)])),
    threads,
    peakGflops: round(peak),
    medianSampleGflops: round(medianPeak),
    samples: samples.length,
  },
  docsPerSec: {
    naiveFp32: naive.docsPerSec,
    fp32: fp32.docsPerSec,
    fp32Workers: fp32Workers.docsPerSec,
    fp32InProcess: fp32Intra.docsPerSec,
    fp32Setup,
    q8: q8.docsPerSec,
    server: server.docsPerSec,
    medians: {
      naiveFp32: med(passes.naive.map((p) => p.docsPerSec)),
      fp32Workers: med(passes.fp32.map((p) => p.docsPerSec)),
      fp32InProcess: med(passes.fp32Intra.map((p) => p.docsPerSec)),
      q8: med(passes.q8.map((p) => p.docsPerSec)),
      server: med(passes.server.map((p) => p.docsPerSec)),
    },
  },
  fp32UsefulGflops: round(usefulGflops),
  fp32ExecutedGflops: round(executedGflops),
  serverClients: env("BENCH_CLIENTS") ?? 16,
  serverErrors,
  q8Top1AgreesWithFp32: top1,
  loadMs,
  tokenisation: { ms: tokenizeMs, shareOfFp32Pass: round(tokenizeMs / fp32.ms, 3) },
  targets,
};

if (process.env.BENCH_SKIP_MAXSIM !== "1") {
  const { runMaxSimBench } = await import("./maxsim.js");
  report.maxsim = await runMaxSimBench();
}
report.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
report.totalSeconds = round((performance.now() - started) / 1000);

const verdict = (p: boolean | string) =>
  p === true ? "PASS" : p === false ? "FAIL" : String(p).toUpperCase();
const lines = [
  `cross-encoder minilm-l6-h384-random: ${ce.pairs} pairs, mean ${ce.meanTokens} tokens, ${ce.usefulGflop} useful GFLOP (${round(ce.usefulGflop / ce.pairs, 3)} per pair); ${threads} threads; ours = ${workers} worker session(s) x ${Math.max(1, Math.floor(threads / workers))} thread(s), token budget ${ce.tokenBudget.workers} per worker session, ${ce.tokenBudget.inProcess} in process; best of ${rounds} interleaved rounds`,
  `  naive fp32 (16 in input order, ${ce.naivePaddedTokensPerPair} padded tokens/pair): ${naive.docsPerSec} docs/s`,
  `  ours fp32, ${workers} workers x ${Math.max(1, Math.floor(threads / workers))} thread(s): ${fp32Workers.docsPerSec} docs/s; 1 in-process session x ${threads} threads: ${fp32Intra.docsPerSec} docs/s`,
  `  ours fp32 (better of the two: ${fp32Setup}): ${fp32.docsPerSec} docs/s = ${round(usefulGflops)} useful GFLOP/s (executed: ${round(executedGflops)} GFLOP/s${ce.firstTokenOnly ? ", last layer on the first token only" : ""})`,
  `  SGEMM peak (best of MatMul ${peakShapes.map(describeShape).join(", ")}; ${threads} threads and ${threads} x 1 thread; ${samples.length} samples in the same run): ${round(peak)} GFLOP/s (median ${round(medianPeak)})`,
  `    best per shape: ${sgemm.best.map((b) => `${b.label} ${round(b.gflops)}`).join("; ")}`,
  `  fp32 share of peak:              ${(ofPeak * 100).toFixed(1)}%   target >= 80%      ${verdict(targets.fp32OfPeak.pass)}`,
  `  q8:                              ${q8.docsPerSec} docs/s = ${q8VsNaive.toFixed(2)}x naive fp32   target >= 3.5x   ${verdict(targets.q8VsNaiveFp32.pass)}`,
  `  library (ours fp32, better setup) vs server (${env("BENCH_SERVER_WORKERS") ? `${env("BENCH_SERVER_WORKERS")} worker sessions x 1 thread` : "its defaults"}), ${env("BENCH_CLIENTS") ?? 16} clients, loopback: ${fp32.docsPerSec} vs ${server.docsPerSec} docs/s = ${serverVsLibrary.toFixed(2)}   target >= 0.90   ${verdict(targets.serverVsLibrary.pass)}${serverErrors ? ` (${serverErrors} failed requests)` : ""}`,
  `  fp32 batched vs unbatched: max |diff| = ${maxDiff ?? "not checked"}   target <= 1e-4   ${verdict(targets.fp32BatchedEqualsUnbatched.pass)}`,
  `  q8 top-1 = fp32 top-1 for ${top1} queries; load fp32 ${loadMs.fp32} ms, q8 ${loadMs.q8} ms; tokenisation ${tokenizeMs} ms = ${(100 * (tokenizeMs / fp32.ms)).toFixed(1)}% of the fp32 pass; peak RSS ${report.peakRssMb} MB; total ${report.totalSeconds} s`,
];
process.stdout.write(`${lines.join("\n")}\n\n${JSON.stringify(report, null, 2)}\n`);
