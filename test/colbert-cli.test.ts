import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCliJson } from "./helpers/cli.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "rerankers-colbert-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
type Case = any;

async function rankJson(dir: string, c: Case, extra: string[] = []) {
  const docs = join(tmp, `${c.name}.jsonl`);
  writeFileSync(docs, `${c.docs.map((d: Case) => JSON.stringify(d)).join("\n")}\n`);
  return runCliJson([
    "rank",
    "--model",
    dir,
    "--model-type",
    "colbert",
    "--query",
    c.query,
    "--docs",
    docs,
    "--json",
    ...extra,
  ]);
}

function checkScores(out: Case, c: Case, scores: number[], ranking: unknown[]) {
  assert.equal(out.query, c.query);
  assert.equal(out.modelType, "colbert");
  assert.deepEqual(
    out.results.map((r: Case) => r.docId),
    ranking,
  );
  out.results.forEach((r: Case, k: number) => {
    const i = c.docs.findIndex((d: Case) => d.docId === r.docId);
    assert.ok(Math.abs(r.score - scores[i]) <= 1e-4, `${c.name} ${r.docId}: ${r.score} vs ${scores[i]}`);
    assert.equal(r.text, c.docs[i].text);
    assert.deepEqual(r.metadata, c.docs[i].metadata ?? {});
    assert.equal(r.rank, k + 1);
  });
}

describe("ColBERT through the CLI (rank --model-type colbert --json)", () => {
  for (const name of ["tiny-colbert", "tiny-colbert-hf-layout"]) {
    it(`${name}: JSON output has the reference scores, ranking, ids and metadata`, async () => {
      const c = readReference(name).cases.find((x: Case) => x.name === "string-ids-metadata");
      const out = await rankJson(fixturePath(name), c);
      assert.equal(out.model, fixturePath(name));
      checkScores(out, c, c.scores, c.ranking);
    });
  }

  it("--option scoreMode=mean-attended gives the corrected mean", async () => {
    const c = readReference("tiny-colbert-hf-layout").cases.find((x: Case) => x.name === "plain-english");
    const out = await rankJson(fixturePath("tiny-colbert-hf-layout"), c, [
      "--option",
      "scoreMode=mean-attended",
    ]);
    checkScores(out, c, c.scores_mean_over_attended_query_tokens, c.ranking_mean_over_attended_query_tokens);
  });
});
