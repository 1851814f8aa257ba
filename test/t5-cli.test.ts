import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "./helpers/cli.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const DIR = fixturePath("tiny-monot5");
const ref = readReference("tiny-monot5");

// biome-ignore lint/suspicious/noExplicitAny: reference.json and CLI JSON are free-form
type Json = any;

interface CliRun {
  code: number;
  out: Json;
  stderr: string;
}

async function rankCli(docsFile: string, query: string, args: string[]): Promise<CliRun> {
  const r = await runCli(["rank", "--model", DIR, "--query", query, "--docs", docsFile, "--json", ...args]);
  return { code: r.code, out: r.code === 0 ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

/** Scores by docId from the CLI JSON, and the docIds in rank order. */
function byDoc(out: Json): { scores: Map<unknown, Json>; ranking: unknown[] } {
  return {
    scores: new Map(out.results.map((r: Json) => [r.docId, r.score])),
    ranking: out.results.map((r: Json) => r.docId),
  };
}

describe("t5 / upr through the CLI (rank --json)", () => {
  let tmp: string;
  const results: Record<string, CliRun> = {};
  const t5Plain = ref.cases.find((c: Json) => c.name === "plain-english");
  const t5Meta = ref.cases.find((c: Json) => c.name === "string-ids-metadata");
  const uprCase = ref.upr.cases.find((c: Json) => c.name === "mixed-unicode");

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "t5-cli-"));
    const write = async (name: string, docs: Json[]) => {
      const file = join(tmp, name);
      await writeFile(file, docs.map((d) => JSON.stringify(d)).join("\n"));
      return file;
    };
    const plain = await write("plain.jsonl", t5Plain.docs);
    const meta = await write("meta.jsonl", t5Meta.docs);
    const upr = await write("upr.jsonl", uprCase.docs);
    const jobs: [string, Promise<CliRun>][] = [
      ["plain", rankCli(plain, t5Plain.query, ["--model-type", "t5", "--threads", "1"])],
      [
        "meta",
        rankCli(meta, t5Meta.query, [
          "--model-type",
          "t5",
          "--threads",
          "1",
          "--option",
          "returnLogits=true",
        ]),
      ],
      [
        "swapped",
        rankCli(plain, t5Plain.query, [
          "--model-type",
          "t5",
          "--option",
          `tokenTrue=${ref.token_false_id}`,
          "--option",
          `tokenFalse=${ref.token_true}`,
        ]),
      ],
      ["upr", rankCli(upr, uprCase.query, ["--model-type", "upr", "--threads", "1"])],
      [
        "badToken",
        rankCli(plain, t5Plain.query, ["--model-type", "t5", "--option", "tokenTrue=▁no-such-piece"]),
      ],
    ];
    for (const [name, job] of jobs) results[name] = await job;
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("t5 scores and ranking equal the reference", () => {
    const r = results.plain;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.modelType, "t5");
    assert.equal(r.out.query, t5Plain.query);
    const { scores, ranking } = byDoc(r.out);
    for (const d of t5Plain.docs) assert.ok(Math.abs(scores.get(d.docId) - t5Plain.scores[d.docId]) <= 1e-4);
    assert.deepEqual(ranking, t5Plain.ranking);
    assert.deepEqual(
      r.out.results.map((x: Json) => x.rank),
      t5Plain.docs.map((_: Json, i: number) => i + 1),
    );
  });

  it("--option returnLogits=true gives the reference logits; string ids and metadata pass through", () => {
    const r = results.meta;
    assert.equal(r.code, 0, r.stderr);
    const { scores, ranking } = byDoc(r.out);
    t5Meta.docs.forEach((d: Json, i: number) => {
      assert.ok(Math.abs(scores.get(d.docId) - t5Meta.logits[i]) <= 1e-4);
    });
    assert.deepEqual(ranking, t5Meta.ranking_logits);
    for (const x of r.out.results) {
      const d = t5Meta.docs.find((y: Json) => y.docId === x.docId);
      assert.deepEqual(x.metadata, d.metadata);
      assert.equal(x.text, d.text);
    }
  });

  it("--option tokenTrue=<id> tokenFalse=<piece> swap the verbalizer: 1 - P(true)", () => {
    const r = results.swapped;
    assert.equal(r.code, 0, r.stderr);
    const { scores } = byDoc(r.out);
    for (const d of t5Plain.docs)
      assert.ok(Math.abs(scores.get(d.docId) - (1 - t5Plain.scores[d.docId])) <= 1e-4);
  });

  it("upr scores and ranking equal the reference (fast-tokenizer fields)", () => {
    const r = results.upr;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.out.modelType, "upr");
    const want = uprCase.scores_fast_tokenizer ?? uprCase.scores;
    const { scores, ranking } = byDoc(r.out);
    uprCase.docs.forEach((d: Json, i: number) => {
      const s = scores.get(d.docId) as number;
      assert.ok(Math.abs(s - want[i]) <= Math.max(1e-5, 2e-6 * Math.abs(want[i])), `${s} vs ${want[i]}`);
    });
    assert.deepEqual(ranking, uprCase.ranking_fast_tokenizer ?? uprCase.ranking);
  });

  it("an unknown token is a usage error (exit 2) with a one-line message", () => {
    const r = results.badToken;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /tokenTrue/);
  });
});
