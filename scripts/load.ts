/**
 * Bounded load test for `rerankers serve`: C concurrent clients for N seconds against POST /v1/rerank, then
 * prints throughput, p50/p99 latency, errors and the server's peak RSS. Stops by itself.
 *
 *   npm run load                                   # starts a server on the tiny fixture model
 *   npm run load -- --url http://127.0.0.1:8080    # an already running server
 *   npm run load -- --clients 8 --seconds 10 --docs 20 --model ../shared/fixtures/minilm-l6-h384-random
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fixturePath } from "../test/helpers/fixtures.js";
import { startServeProcess } from "../test/helpers/serve-process.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    model: { type: "string", default: fixturePath("tiny-bert-cross-encoder") },
    clients: { type: "string", default: "4" },
    seconds: { type: "string", default: "5" },
    docs: { type: "string", default: "20" },
  },
});
const clients = Math.max(1, Number(values.clients));
const seconds = Math.min(600, Math.max(1, Number(values.seconds)));
const docsPerRequest = Math.max(1, Number(values.docs));

const workload = JSON.parse(readFileSync(fixturePath("bench", "workload.json"), "utf8")) as {
  queries: { query: string; docs: { text: string }[] }[];
};
const requests = workload.queries.map((q) => ({
  query: q.query,
  docs: q.docs.slice(0, docsPerRequest).map((d) => d.text),
}));

const server = values.url
  ? undefined
  : await startServeProcess(["--model", values.model as string, "--model-type", "cross-encoder"]);
const url = values.url ?? (server?.url as string);

function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const latencies: number[] = [];
let errors = 0;
let documents = 0;
const deadline = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async (_, c) => {
    for (let i = c; Date.now() < deadline; i += clients) {
      const { query, docs } = requests[i % requests.length];
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}/v1/rerank`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query, documents: docs }),
          signal: AbortSignal.timeout(60_000),
        });
        await res.arrayBuffer();
        if (res.ok) {
          latencies.push(performance.now() - t0);
          documents += docs.length;
        } else errors++;
      } catch {
        errors++;
      }
    }
  }),
);
const rss = peakRssMiB(server?.child.pid);
await server?.stop();

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
const report = {
  clients,
  seconds,
  docsPerRequest,
  requests: latencies.length,
  errors,
  requestsPerSecond: latencies.length / seconds,
  documentsPerSecond: documents / seconds,
  p50Ms: pct(50),
  p99Ms: pct(99),
  serverPeakRssMiB: rss,
};
console.log(JSON.stringify(report, null, 2));
