/** Issue 16, item 3: significance tests, W/T/L, per-query values, metadata, paper tables, distinct labels. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Ranker } from "../src/core/ranker.js";
import { Reranker } from "../src/core/reranker.js";
import {
  distinctLabels,
  type EvalReport,
  holm,
  loadBeir,
  METRIC_NAMES,
  pairedTests,
  paperTable,
  reportHtml,
  runEvaluation,
  studentTwoSidedP,
} from "../src/eval/index.js";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";

// Cushny & Peebles' sleep data as analysed by Student (1908), R's `sleep` data set: extra hours of sleep with two
// drugs for the same 10 patients. R's t.test(extra ~ group, data = sleep, paired = TRUE) publishes
// t = -4.0621, df = 9, p-value = 0.002833.
const DRUG1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const DRUG2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe("significance tests", () => {
  it("paired t-test matches the published sleep-data result", () => {
    const r = pairedTests(DRUG1, DRUG2, 100);
    assert.ok(Math.abs(r.t - -4.0621) < 5e-5, String(r.t));
    assert.equal(r.df, 9);
    assert.ok(Math.abs(r.tP - 0.002833) < 5e-7, String(r.tP));
    assert.ok(Math.abs(r.meanDiff - -1.58) < 1e-12);
    // Patient 5's difference is 0: 0 wins, 1 tie, 9 losses for drug 1.
    assert.deepEqual([r.wins, r.ties, r.losses], [0, 1, 9]);
  });

  it("Student's t two-sided p matches printed t-table critical values", () => {
    // Two-sided 0.05 critical values: df 1 → 12.706, df 10 → 2.228, df 20 → 2.086; 0.01: df 9 → 3.250.
    for (const [t, df, p] of [
      [12.706, 1, 0.05],
      [2.228, 10, 0.05],
      [2.086, 20, 0.05],
      [3.25, 9, 0.01],
    ]) {
      assert.ok(Math.abs(studentTwoSidedP(t, df) - p) < 2e-4, `t=${t} df=${df}: ${studentTwoSidedP(t, df)}`);
    }
  });

  it("randomization test agrees with the exact sign-flip distribution, and a fixed seed repeats", () => {
    // Exact two-sided p by enumerating all 2^10 sign assignments of the differences.
    const d = DRUG1.map((x, i) => x - DRUG2[i]);
    const observed = Math.abs(d.reduce((s, x) => s + x, 0));
    let hits = 0;
    for (let mask = 0; mask < 1 << d.length; mask++) {
      const s = d.reduce((acc, x, i) => acc + ((mask >> i) & 1 ? x : -x), 0);
      if (Math.abs(s) >= observed - 1e-9) hits++;
    }
    const exact = hits / 2 ** d.length;
    const r = pairedTests(DRUG1, DRUG2, 20_000, 7);
    assert.ok(Math.abs(r.randP - exact) < 0.003, `${r.randP} vs exact ${exact}`);
    assert.equal(pairedTests(DRUG1, DRUG2, 20_000, 7).randP, r.randP);
    // Identical systems: nothing to find.
    const same = pairedTests(DRUG1, DRUG1, 1000);
    assert.equal(same.tP, 1);
    assert.equal(same.randP, 1);
    assert.deepEqual([same.wins, same.ties, same.losses], [0, 10, 0]);
  });

  it("Holm-Bonferroni adjusts as in Holm (1979)", () => {
    // Sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → running max 0.02, 0.03, 0.06, 0.06.
    const adj = holm([0.01, 0.04, 0.03, 0.005]);
    const want = [0.03, 0.06, 0.06, 0.02];
    for (const [i, p] of adj.entries()) assert.ok(Math.abs(p - want[i]) < 1e-12, `${p} vs ${want[i]}`);
    assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
  });
});

describe("labels", () => {
  it("a model given twice gets distinct labels; different types are named", () => {
    assert.deepEqual(
      distinctLabels([
        { model: "m", modelType: "cross-encoder" },
        { model: "m", modelType: "colbert" },
        { model: "x", modelType: "t5" },
      ]),
      ["m (cross-encoder)", "m (colbert)", "x"],
    );
    assert.deepEqual(
      distinctLabels([
        { model: "m", modelType: "cross-encoder" },
        { model: "m", modelType: "cross-encoder" },
      ]),
      ["m (cross-encoder) #1", "m (cross-encoder) #2"],
    );
  });
});

describe("report from a real run (tiny cross-encoder fixture, given twice, on the sample set)", () => {
  let rankers: Ranker[];
  let report: EvalReport;
  const model = fixturePath("tiny-bert-cross-encoder");

  before(async () => {
    rankers = [
      await Reranker(model, { modelType: "cross-encoder" }),
      await Reranker(model, { modelType: "cross-encoder" }),
    ];
    const data = await loadBeir(join(REPO_ROOT, "examples/beir-sample"));
    report = await runEvaluation("beir-sample", data, rankers, {
      depth: 10,
      trials: 500,
      settings: { batchSize: 4 },
    });
  });
  after(() => Promise.all(rankers.map((r) => r.close())));

  it("has per-query values for every metric and system", () => {
    assert.equal(report.systems.length, 3);
    for (const s of report.systems) {
      assert.equal(Object.keys(s.perQuery).length, 8);
      for (const q of Object.values(s.perQuery))
        assert.deepEqual(Object.keys(q).sort(), [...METRIC_NAMES].sort());
    }
    assert.notEqual(report.systems[1].label, report.systems[2].label);
  });

  it("compares every system with the first stage and with each other, for every metric", () => {
    assert.equal(report.comparisons.length, 3 * METRIC_NAMES.length);
    const [base, a, b] = report.systems;
    for (const metric of METRIC_NAMES) {
      const pairs = report.comparisons.filter((c) => c.metric === metric).map((c) => `${c.a}|${c.b}`);
      assert.deepEqual(pairs, [
        `${a.label}|${base.label}`,
        `${b.label}|${base.label}`,
        `${a.label}|${b.label}`,
      ]);
    }
    for (const c of report.comparisons) {
      assert.equal(c.wins + c.ties + c.losses, 8);
      assert.ok(c.tPAdjusted >= c.tP && c.randPAdjusted >= c.randP);
    }
    // The same model twice: identical per-query values, so every query is a tie and p = 1.
    for (const c of report.comparisons.filter((x) => x.a === a.label && x.b === b.label)) {
      assert.deepEqual([c.wins, c.ties, c.losses, c.tP, c.randP], [0, 8, 0, 1, 1]);
    }
    // W/T/L against the first stage, recounted from the per-query values.
    const c = report.comparisons.find((x) => x.metric === "ndcg@10" && x.a === a.label && x.b === base.label);
    const d = Object.keys(base.perQuery).map((q) => a.perQuery[q]["ndcg@10"] - base.perQuery[q]["ndcg@10"]);
    assert.deepEqual(
      [c?.wins, c?.ties, c?.losses],
      [
        d.filter((x) => x > 1e-12).length,
        d.filter((x) => Math.abs(x) <= 1e-12).length,
        d.filter((x) => x < -1e-12).length,
      ],
    );
  });

  it("records the run's metadata", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    const m = report.metadata;
    assert.equal(m.rerankersVersion, pkg.version);
    assert.equal(m.split, "test");
    assert.equal(m.depth, 10);
    assert.ok(Math.abs(Date.parse(m.date) - Date.now()) < 10 * 60_000);
    assert.deepEqual(m.firstStage, {
      kind: "bm25",
      k1: 0.9,
      b: 0.4,
      analyzer: "Lucene EnglishAnalyzer (Porter), 1-byte length norms",
    });
    assert.deepEqual(
      m.models.map((x) => [x.model, x.modelType]),
      [
        [model, "cross-encoder"],
        [model, "cross-encoder"],
      ],
    );
    assert.deepEqual(m.settings, { batchSize: 4 });
    assert.equal(m.significance.trials, 500);
    assert.match(m.significance.correction, /Holm/);
  });

  it("prints paper tables in Markdown and LaTeX with full labels", () => {
    const md = paperTable(report, "markdown").split("\n");
    assert.equal(md[0], "| System | nDCG@10 | MRR@10 | R@10 | R@100 | MAP |");
    assert.equal(md.filter((l) => l.startsWith("| ")).length, 4);
    const base = report.systems[0].mean["ndcg@10"].toFixed(4);
    assert.ok(md[2].includes(base));
    assert.ok(md[3].includes(report.systems[1].label.replace(/_/g, "\\_")));
    const tex = paperTable(report, "latex");
    assert.match(tex, /\\begin\{tabular\}\{lrrrrr\}/);
    assert.match(tex, /tiny-bert-cross-encoder \(cross-encoder\) \\#2 &/);
    assert.equal((tex.match(/\\\\$/gm) ?? []).length, 4);
  });

  it("puts per-query values of every metric, the tests and both tables in the HTML", () => {
    const html = reportHtml(report);
    for (const q of Object.keys(report.systems[0].perQuery)) assert.match(html, new RegExp(`<td>${q}</td>`));
    assert.equal((html.match(/<svg /g) ?? []).length, 2 * METRIC_NAMES.length);
    assert.match(html, /Significance/);
    assert.match(html, /id="table-markdown"/);
    assert.match(html, /id="table-latex"/);
    assert.doesNotMatch(html, /<script|<link|<img|https?:\/\//);
  });
});
