import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  averagePrecision,
  Bm25Index,
  evaluate,
  loadBeir,
  mrrAt,
  ndcgAt,
  parseQrels,
  parseRun,
  recallAt,
  sortRun,
} from "../src/eval/index.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
const rels = (o: Record<string, number>) => new Map(Object.entries(o));

describe("metrics (hand-computed)", () => {
  const ranked = ["a", "b", "c", "d", "e"];
  const q = rels({ a: 0, b: 2, c: 0, d: 1, x: 1 });

  it("nDCG@k with gains 2^rel − 1", () => {
    // DCG = 3/log2(3) + 1/log2(5); IDCG = 3/log2(2) + 1/log2(3) + 1/log2(4)
    near(ndcgAt(ranked, q, 10), (3 / Math.log2(3) + 1 / Math.log2(5)) / (3 + 1 / Math.log2(3) + 1 / 2));
    // @2: DCG = 3/log2(3); IDCG@2 = 3 + 1/log2(3)
    near(ndcgAt(ranked, q, 2), 3 / Math.log2(3) / (3 + 1 / Math.log2(3)));
    near(ndcgAt(ranked, rels({ z: 0 }), 10), 0);
  });

  it("MRR@k, Recall@k, AP", () => {
    near(mrrAt(ranked, q, 10), 1 / 2);
    near(mrrAt(ranked, q, 1), 0);
    near(recallAt(ranked, q, 10), 2 / 3);
    near(recallAt(ranked, q, 2), 1 / 3);
    // relevant at ranks 2 and 4: (1/2 + 2/4) / 3 relevant
    near(averagePrecision(ranked, q), (1 / 2 + 2 / 4) / 3);
  });

  it("sorts runs by score, ties by docId descending (trec_eval)", () => {
    assert.deepEqual(
      sortRun(
        new Map([
          ["a", 1],
          ["c", 2],
          ["b", 1],
          ["d", 1],
        ]),
      ),
      ["c", "d", "b", "a"],
    );
  });

  it("averages over judged queries; a query missing from the run scores 0", () => {
    const qrels = new Map([
      ["q1", rels({ a: 1 })],
      ["q2", rels({ b: 1 })],
      ["q3", rels({ c: 0 })], // no relevant document: skipped
    ]);
    const run = new Map([
      [
        "q1",
        new Map([
          ["a", 1],
          ["b", 0.5],
        ]),
      ],
    ]);
    const { perQuery, mean } = evaluate(run, qrels);
    assert.equal(perQuery.size, 2);
    near(mean["mrr@10"], 0.5);
    near(mean.map, 0.5);
  });
});

describe("qrels and run files", () => {
  it("reads BEIR qrels with a header and TREC qrels", () => {
    assert.deepEqual(
      parseQrels("query-id\tcorpus-id\tscore\nq1\td1\t2\n"),
      new Map([["q1", rels({ d1: 2 })]]),
    );
    assert.deepEqual(parseQrels("q1 0 d1 1\nq1 0 d2 0\n"), new Map([["q1", rels({ d1: 1, d2: 0 })]]));
  });
  it("reads TREC runs and rejects malformed lines", () => {
    assert.deepEqual(parseRun("q1 Q0 d1 1 3.5 bm25\n"), new Map([["q1", new Map([["d1", 3.5]])]]));
    assert.throws(() => parseRun("q1 d1 3.5\n", "r.txt"), /r\.txt line 1/);
  });
});

describe("BM25", () => {
  it("matches whole analysed words only (see eval-bm25.test.ts for Lucene parity)", () => {
    const idx = new Bm25Index();
    idx.add("1", "the cat sat");
    idx.add("2", "concatenate strings");
    idx.add("3", "a dog");
    assert.deepEqual(
      idx.search("cats", 10).map(([id]) => id),
      ["1"],
    );
    assert.deepEqual(idx.search("c++ (", 5), []);
  });
});

describe("rerankers eval", () => {
  const dataset = join(REPO_ROOT, "examples/beir-sample");

  it("loads the sample BEIR dataset", async () => {
    const data = await loadBeir(dataset);
    assert.equal(data.corpus.size, 30);
    assert.equal(data.queries.size, 8);
    assert.equal(data.qrels.size, 8);
  });

  it("runs from the CLI with a real fixture model and a run file, writing JSON and a self-contained HTML report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rerankers-eval-"));
    const runFile = join(dir, "run.txt");
    writeFileSync(runFile, "q1 Q0 d2 1 9 x\nq1 Q0 d1 2 8 x\nq1 Q0 d30 3 7 x\nq4 Q0 d3 1 5 x\n");
    const report = join(dir, "report.html");
    const r = await runCli(
      [
        "eval",
        "--model",
        fixturePath("tiny-bert-cross-encoder"),
        "--model-type",
        "cross-encoder",
        "--dataset",
        dataset,
        "--run",
        runFile,
        "--depth",
        "2",
        "--json",
        "--report",
        report,
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.firstStage, "run");
    assert.deepEqual(
      out.systems.map((s: { name: string }) => s.name),
      ["first-stage", fixturePath("tiny-bert-cross-encoder")],
    );
    // First stage, depth 2: q1 ranks d2 (rel 1) then d1 (rel 2); q4 ranks d3 (rel 2). Other judged queries score 0.
    const q1 = out.systems[0].perQuery.q1;
    near(q1["mrr@10"], 1);
    near(q1["recall@100"], 2 / 3);
    near(out.systems[0].mean["mrr@10"], 2 / 8);
    const html = readFileSync(report, "utf8");
    assert.match(html, /<svg/);
    assert.match(html, /Per-query differences from the first stage/);
    assert.doesNotMatch(html, /<script|https?:\/\//);
  });
});
