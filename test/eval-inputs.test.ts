/** Issue 16, item 2: every bad input is a one-line typed error (exit 2) or a warning with a count. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Document } from "../src/core/documents.js";
import { InvalidInputError } from "../src/core/errors.js";
import { createRanker } from "../src/core/ranker.js";
import {
  type EvalWarning,
  firstStage,
  loadBeir,
  parseQrels,
  parseRun,
  runEvaluation,
} from "../src/eval/index.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath } from "./helpers/fixtures.js";
import { lexicalMethod } from "./helpers/lexical-ranker.js";

const root = mkdtempSync(join(tmpdir(), "rerankers-eval-inputs-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const CORPUS = [
  { _id: "d1", title: "Password", text: "reset your password in settings" },
  { _id: "d2", title: "Billing", text: "refunds are issued within five days" },
  { _id: "d3", title: "Teams", text: "invite a person to your team" },
];
const QUERIES = [
  { _id: "q1", text: "reset password" },
  { _id: "q2", text: "refund" },
];

/** A BEIR folder from raw file contents (JSON-lines given as strings are written as they are). */
function dataset(files: { corpus?: string; queries?: string; qrels?: string }): string {
  const dir = join(root, `ds${n++}`);
  mkdirSync(join(dir, "qrels"), { recursive: true });
  const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
  writeFileSync(join(dir, "corpus.jsonl"), files.corpus ?? jsonl(CORPUS));
  writeFileSync(join(dir, "queries.jsonl"), files.queries ?? jsonl(QUERIES));
  writeFileSync(
    join(dir, "qrels", "test.tsv"),
    files.qrels ?? "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n",
  );
  return dir;
}

function file(text: string): string {
  const p = join(root, `f${n++}.txt`);
  writeFileSync(p, text);
  return p;
}

const oneLine = (s: string) => s.trim().split("\n").length === 1;

/** `rerankers eval --json` on a BEIR folder with the tiny cross-encoder fixture (few randomization trials). */
function evalWithFixture(dir: string, extra: string[]) {
  const model = fixturePath("tiny-bert-cross-encoder");
  const args = ["eval", "--model", model, "--model-type", "cross-encoder", "--dataset", dir, "--json"];
  return runCli([...args, "--trials", "200", ...extra], { timeoutMs: 120_000 });
}

async function cliError(args: string[], pattern: RegExp) {
  const r = await runCli(["eval", "--model", "unused-model", ...args], { timeoutMs: 60_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.ok(oneLine(r.stderr), r.stderr);
  assert.doesNotMatch(r.stderr, /unexpected error/);
}

describe("corpus and queries", () => {
  it("a null line is a one-line error naming the file and line (exit 2)", async () => {
    const dir = dataset({ corpus: `${JSON.stringify(CORPUS[0])}\nnull\n` });
    await assert.rejects(
      loadBeir(dir),
      (e: unknown) => e instanceof InvalidInputError && /line 2/.test(e.message),
    );
    await cliError(["--dataset", dir], /corpus\.jsonl line 2: expected a JSON object, got null/);
  });

  it("a line without _id is an error, not a document called 'undefined'", async () => {
    const dir = dataset({ corpus: `${JSON.stringify(CORPUS[0])}\n{"title":"x","text":"y"}\n` });
    await cliError(["--dataset", dir], /corpus\.jsonl line 2: missing "_id"/);
    const q = dataset({ queries: '{"text":"no id"}\n' });
    await assert.rejects(loadBeir(q), /queries\.jsonl line 1: missing "_id"/);
  });

  it("a repeated corpus _id keeps the first document and warns with a count", async () => {
    const rows = [...CORPUS, { _id: "d1", text: "second copy" }, { _id: "d2", text: "again" }];
    const data = await loadBeir(dataset({ corpus: `${rows.map((r) => JSON.stringify(r)).join("\n")}\n` }));
    assert.equal(data.corpus.get("d1")?.text, CORPUS[0].text);
    assert.deepEqual(
      data.warnings?.map((w) => [w.code, w.count]),
      [["corpus-duplicate-id", 2]],
    );
  });
});

describe("qrels", () => {
  it("a malformed row is an error with its line number (only the first line may be a header)", async () => {
    assert.throws(() => parseQrels("q1\td1\t1\nq2\td2\n", "qrels.tsv"), /qrels\.tsv line 2: expected/);
    assert.throws(
      () => parseQrels("q1\td1\t1\nq2\td2\thigh\n", "qrels.tsv"),
      /line 2: relevance must be an integer/,
    );
    assert.throws(() => parseQrels("q1 0 d1 1\nq1 0 d1 2\n"), /judged both 1 and 2/);
    // A BEIR header line is allowed first.
    assert.equal(parseQrels("query-id\tcorpus-id\tscore\nq1\td1\t1\n").size, 1);
    const dir = dataset({ qrels: "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2 d2\n" });
    await cliError(["--dataset", dir], /qrels\/test\.tsv line 3: expected/);
  });

  it("a judged query missing from queries.jsonl is left out with a warning, and the means say over how many", async () => {
    const dir = dataset({ qrels: "q1\td1\t1\nq2\td2\t1\nq9\td3\t1\nq8\td3\t2\n" });
    const data = await loadBeir(dir);
    assert.deepEqual(
      data.warnings?.map((w) => [w.code, w.count]),
      [["qrels-query-without-text", 2]],
    );
    assert.match(data.warnings?.[0].message ?? "", /means are over 2 queries/);
    // Run: q1 finds d1 at rank 1, q2 finds nothing relevant. Means over q1 and q2 only: MRR = (1 + 0) / 2.
    const run = new Map([
      ["q1", new Map([["d1", 2]])],
      ["q2", new Map([["d3", 1]])],
    ]);
    const report = await runEvaluation("t", data, [], { run });
    assert.equal(report.queries, 2);
    assert.equal(report.systems[0].mean["mrr@10"], 0.5);
    assert.deepEqual(Object.keys(report.systems[0].perQuery).sort(), ["q1", "q2"]);
    assert.ok(report.warnings.some((w) => w.code === "qrels-query-without-text" && w.count === 2));
  });

  it("no judged query with text is an error", async () => {
    await assert.rejects(loadBeir(dataset({ qrels: "q9\td1\t1\n" })), /no judged query/);
  });
});

describe("runs", () => {
  it("an empty run is an error, not zeros with exit 0", async () => {
    assert.throws(() => parseRun("\n\n", "empty.run"), /empty\.run has no entries/);
    await cliError(["--dataset", dataset({}), "--run", file("")], /has no entries/);
  });

  it("a run that shares no query with the qrels is an error", async () => {
    const data = await loadBeir(dataset({}));
    await assert.rejects(
      runEvaluation("t", data, [], { run: parseRun("q7 Q0 d1 1 1 x\n") }),
      /run has no query of the qrels/,
    );
  });

  it("a duplicate docid keeps the first line (as trec_eval) and warns with a count", () => {
    const warnings: EvalWarning[] = [];
    const run = parseRun(
      "q1 Q0 d1 1 9 x\nq1 Q0 d2 2 8 x\nq1 Q0 d1 3 1 x\nq1 Q0 d2 4 0 x\nq2 Q0 d1 1 5 x\n",
      "r",
      (w) => warnings.push(w),
    );
    assert.equal(run.get("q1")?.get("d1"), 9);
    assert.equal(run.get("q1")?.get("d2"), 8);
    assert.deepEqual(
      warnings.map((w) => [w.code, w.count]),
      [["run-duplicate-doc", 2]],
    );
  });

  it("unknown doc ids are counted in the first stage (as trec_eval) and reported, not dropped silently", async () => {
    const data = await loadBeir(dataset({ qrels: "q1\td1\t1\nq1\tgone\t1\nq2\td2\t1\n" }));
    // q1: "gone" (judged relevant, not in the corpus) then d1; q2: "x1" (unknown) then d2.
    const run = parseRun("q1 Q0 gone 1 9 t\nq1 Q0 d1 2 8 t\nq2 Q0 x1 1 9 t\nq2 Q0 d2 2 8 t\n");
    const report = await runEvaluation("t", data, [], { run });
    // Hand-computed on the run as given: q1 MRR 1 (gone is relevant), q2 MRR 1/2 → mean 0.75.
    assert.equal(report.systems[0].mean["mrr@10"], 0.75);
    assert.deepEqual(
      report.warnings.map((w) => [w.code, w.count]),
      [["run-unknown-doc", 2]],
    );
  });

  it("from the CLI, warnings go to stderr with their counts and into the JSON report", async () => {
    const dir = dataset({});
    const runFile = file("q1 Q0 d1 1 9 t\nq1 Q0 d1 2 8 t\nq1 Q0 zz 3 7 t\nq2 Q0 d2 1 5 t\n");
    const r = await evalWithFixture(dir, ["--run", runFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: .*1 duplicate \(query, docid\) line/);
    assert.match(r.stderr, /warning: run: 1 candidate\(s\) within depth 100 are not in corpus\.jsonl/);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.warnings.map((w: EvalWarning) => [w.code, w.count]),
      [
        ["run-duplicate-doc", 1],
        ["run-unknown-doc", 1],
      ],
    );
  });
});

describe("queries that are corpus documents (--remove-query, as Pyserini)", () => {
  // ArguAna-style: the query q is itself document "arg1"; BM25 finds it first, the judged counter-argument second.
  const corpus = [
    { _id: "arg1", title: "", text: "school uniforms limit the freedom of students" },
    { _id: "arg2", title: "", text: "uniforms free students from pressure about the freedom to dress" },
    { _id: "arg3", title: "", text: "homework should be banned" },
  ];
  const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
  const files = {
    corpus: jsonl(corpus),
    queries: jsonl([{ _id: "arg1", text: corpus[0].text }]),
    qrels: "query-id\tcorpus-id\tscore\narg1\targ2\t1\n",
  };

  it("drops the candidate equal to the query id from BM25 and from a run, after the depth cut, for every system", async () => {
    const data = await loadBeir(dataset(files));
    const calls: { docs: readonly Document[] }[] = [];
    const ranker = createRanker(
      { modelType: "lexical", model: "lexical", provider: null },
      lexicalMethod(calls),
    );

    const kept = await runEvaluation("t", data, [ranker], { depth: 2 });
    assert.equal(kept.metadata.removeQuery, false);
    assert.deepEqual(
      [...(firstStage(data, ["arg1"], 2).candidates.get("arg1")?.keys() ?? [])],
      ["arg1", "arg2"],
    );
    assert.equal(kept.systems[0].perQuery.arg1["mrr@10"], 0.5);

    calls.length = 0;
    const removed = await runEvaluation("t", data, [ranker], { depth: 2, removeQuery: true });
    assert.equal(removed.metadata.removeQuery, true);
    // Cut to depth 2 first, then dropped (Pyserini filters the hits it retrieved): one candidate left.
    assert.deepEqual(
      calls.flatMap((c) => c.docs.map((d) => d.docId)),
      ["arg2"],
    );
    assert.equal(removed.systems[0].perQuery.arg1["mrr@10"], 1);
    assert.equal(removed.systems[1].perQuery.arg1["mrr@10"], 1);

    const run = parseRun("arg1 Q0 arg1 1 9 x\narg1 Q0 arg3 2 8 x\narg1 Q0 arg2 3 7 x\n");
    const fromRun = firstStage(data, ["arg1"], 3, run, [], true);
    assert.deepEqual([...(fromRun.scored.get("arg1")?.keys() ?? [])], ["arg3", "arg2"]);
    assert.deepEqual([...(fromRun.candidates.get("arg1")?.keys() ?? [])], ["arg3", "arg2"]);
  });

  it("the CLI flag reaches the report", async () => {
    const r = await evalWithFixture(dataset(files), ["--remove-query"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.metadata.removeQuery, true);
    // BM25 retrieves arg1 and arg2 (arg3 shares no term); without arg1 the judged document is first.
    assert.equal(out.systems[0].perQuery.arg1["mrr@10"], 1);
    assert.equal(out.systems[1].perQuery.arg1["mrr@10"], 1);
  });
});
