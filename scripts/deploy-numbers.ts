/**
 * Sizing numbers for a deployment: docs/s per core and memory per replica, per model, measured on the real server
 * (`node bin/rerankers.js serve`, as the image runs it; needs dist/, which `npm ci` builds).
 *
 *   node --import tsx scripts/deploy-numbers.ts                       # every case below, 10 s each
 *   node --import tsx scripts/deploy-numbers.ts --seconds 20 --clients 4 --docs 20 --only minilm-q8
 *
 * For each case: start a server with the Deployment's limits (--max-concurrent 4 --max-queue 16) and --threads T,
 * warm it up with one request, then C clients post workload requests (bench/workload.json passages, D per request)
 * for S seconds. docs/s per core = documents scored / CPU seconds the server process used (utime + stime from
 * /proc), which stays meaningful on a shared machine where wall-clock docs/s depends on the other jobs. Memory:
 * the server's RSS after loading (idle) and its peak RSS (VmHWM) under load. Bounded; stops by itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fixturePath, REPO_ROOT } from "../test/helpers/fixtures.js";

interface Case {
  id: string;
  model: string;
  dtype: string;
  threads: number;
  /** Worker sessions (`--option workers=N`), each with `threads` threads; one session when absent. */
  workers?: number;
}

const CASES: Case[] = [
  { id: "tiny-bert", model: fixturePath("tiny-bert-cross-encoder"), dtype: "fp32", threads: 1 },
  { id: "minilm-fp32", model: fixturePath("minilm-l6-h384-random"), dtype: "fp32", threads: 1 },
  { id: "minilm-fp32-2t", model: fixturePath("minilm-l6-h384-random"), dtype: "fp32", threads: 2 },
  { id: "minilm-q8", model: fixturePath("minilm-l6-h384-random"), dtype: "q8", threads: 1 },
  { id: "minilm-q8-2t", model: fixturePath("minilm-l6-h384-random"), dtype: "q8", threads: 2 },
  {
    id: "minilm-fp32-2w",
    model: fixturePath("minilm-l6-h384-random"),
    dtype: "fp32",
    threads: 1,
    workers: 2,
  },
  { id: "minilm-q8-2w", model: fixturePath("minilm-l6-h384-random"), dtype: "q8", threads: 1, workers: 2 },
];

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    clients: { type: "string", default: "4" },
    docs: { type: "string", default: "20" },
    only: { type: "string", multiple: true },
  },
});
const seconds = Math.min(300, Math.max(1, Number(values.seconds)));
const clients = Math.max(1, Number(values.clients));
const docsPerRequest = Math.max(1, Number(values.docs));
const API_KEY = `numbers-${process.pid}`;

const workload = JSON.parse(readFileSync(fixturePath("bench", "workload.json"), "utf8")) as {
  queries: { query: string; docs: { text: string }[] }[];
};
const requests = workload.queries.map((q) =>
  JSON.stringify({ query: q.query, documents: q.docs.slice(0, docsPerRequest).map((d) => d.text) }),
);

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
}
function memMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function startServer(c: Case): Promise<{ child: ChildProcess; url: string }> {
  const args = [join(REPO_ROOT, "bin", "rerankers.js"), "serve", "--port", "0", "--model", c.model];
  args.push("--model-type", "cross-encoder", "--dtype", c.dtype, "--threads", String(c.threads));
  if (c.workers !== undefined) args.push("--option", `workers=${c.workers}`);
  args.push("--max-concurrent", "4", "--max-queue", "16");
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, RERANKERS_API_KEY: API_KEY, HF_HUB_OFFLINE: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s: ${err}`)), 60_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk;
      const m = /serving .* on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return { child, url };
}

async function post(url: string, body: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/rerank`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
    body,
    signal: AbortSignal.timeout(120_000),
  });
  await res.arrayBuffer();
  return res.ok;
}

async function measure(c: Case) {
  const { child, url } = await startServer(c);
  const pid = child.pid as number;
  try {
    const idleRssMiB = memMiB(pid, "VmRSS");
    if (!(await post(url, requests[0]))) throw new Error("warm-up request failed");
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const deadline = Date.now() + seconds * 1000;
    let documents = 0;
    let errors = 0;
    await Promise.all(
      Array.from({ length: clients }, async (_, k) => {
        for (let i = k; Date.now() < deadline; i += clients) {
          if (await post(url, requests[i % requests.length]).catch(() => false)) documents += docsPerRequest;
          else errors++;
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    return {
      case: c.id,
      dtype: c.dtype,
      threads: c.workers === undefined ? String(c.threads) : `${c.workers} × ${c.threads}`,
      docsPerSecond: documents / wall,
      coresUsed: cpu / wall,
      docsPerCoreSecond: documents / cpu,
      idleRssMiB,
      peakRssMiB: memMiB(pid, "VmHWM"),
      errors,
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

const selected = values.only?.length ? CASES.filter((c) => values.only?.includes(c.id)) : CASES;
const rows = [];
for (const c of selected) rows.push(await measure(c));

const f = (n: number, d = 0) => n.toFixed(d);
console.log(
  `${cpus()[0]?.model ?? "cpu"}, ${availableParallelism()} cores, Node ${process.versions.node}; ` +
    `${clients} clients × ${docsPerRequest} passages per request, ${seconds} s per case`,
);
console.log(
  "| case | dtype | threads | docs/s | cores used | docs/s per core | RSS idle | peak RSS | errors |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.case} | ${r.dtype} | ${r.threads} | ${f(r.docsPerSecond, 1)} | ${f(r.coresUsed, 2)} | ` +
      `${f(r.docsPerCoreSecond, 1)} | ${f(r.idleRssMiB)} MiB | ${f(r.peakRssMiB)} MiB | ${r.errors} |`,
  );
}
console.log(JSON.stringify(rows));
