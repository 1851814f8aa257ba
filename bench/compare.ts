/**
 * Compare session configurations on the bench workload, interleaved round by round (same machine conditions):
 * docs/s per round, best of the rounds, and each configuration's largest score difference from the first one.
 *
 *   node --import tsx bench/compare.ts                        # in-process 2-thread vs 2 x 1-thread workers vs ...
 *   COMPARE='[["b1024",{"workers":2,"threads":1,"tokenBudget":1024}],["b2048",{"workers":2,"threads":1}]]' \
 *     COMPARE_ROUNDS=3 COMPARE_QUERIES=4 COMPARE_DTYPE=fp32 node --import tsx bench/compare.ts
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import "../src/core/families.js";
import type { DtypeName } from "../src/core/option-specs.js";
import type { Ranker } from "../src/core/ranker.js";
import { Reranker } from "../src/core/reranker.js";
import { FIXTURES } from "./cross-encoder.js";

const dir = join(FIXTURES, "minilm-l6-h384-random");
const workload = JSON.parse(readFileSync(join(FIXTURES, "bench", "workload.json"), "utf8")) as {
  queries: { query: string; docs: { docId: string; text: string }[] }[];
};
const dtype = (process.env.COMPARE_DTYPE ?? "fp32") as DtypeName;
const variants: [string, Record<string, unknown>][] = process.env.COMPARE
  ? JSON.parse(process.env.COMPARE)
  : [
      ["in-process 2 threads", { threads: 2 }],
      ["2 workers x 1 thread", { workers: 2, threads: 1 }],
      ["1 worker x 2 threads", { worker: true, threads: 2 }],
    ];
const queries = workload.queries.slice(0, Number(process.env.COMPARE_QUERIES ?? 4));
const rounds = Number(process.env.COMPARE_ROUNDS ?? 3);

const rankers: [string, Ranker][] = [];
for (const [name, o] of variants)
  rankers.push([name, await Reranker(dir, { modelType: "cross-encoder", dtype, ...o })]);
for (const [, r] of rankers) await r.rank(queries[0].query, queries[0].docs); // warm-up
const best = new Map<string, number>();
const scores = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [name, r] of rankers) {
    const t0 = performance.now();
    const s: number[] = [];
    for (const q of queries) {
      const byId = new Map((await r.rank(q.query, q.docs)).results.map((x) => [String(x.docId), x.score]));
      for (const d of q.docs) s.push(byId.get(d.docId) as number);
    }
    const docsPerSec = (queries.length * 40) / ((performance.now() - t0) / 1000);
    best.set(name, Math.max(best.get(name) ?? 0, docsPerSec));
    scores.set(name, s);
    console.log(`round ${round + 1} ${name}: ${docsPerSec.toFixed(1)} docs/s`);
  }
}
const ref = scores.get(variants[0][0]) as number[];
for (const [name] of variants) {
  const diff = Math.max(...(scores.get(name) as number[]).map((x, i) => Math.abs(x - ref[i])));
  console.log(`${name}: best ${best.get(name)?.toFixed(1)} docs/s, max |score diff| vs first ${diff}`);
}
for (const [, r] of rankers) await r.close();
