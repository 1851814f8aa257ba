import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type CliRun, runCli } from "./helpers/cli.js";
import { type RefCase, TOL } from "./helpers/engine-parity.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "rerankers-ce-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { env: { NO_COLOR: "1" } });

function docsFile(c: RefCase, tag: string): string {
  const path = join(dir, `${tag}-${c.name}.json`);
  writeFileSync(path, JSON.stringify(c.docs));
  return path;
}

interface CliRank {
  results: { docId: string | number; score: number; rank: number; metadata: Record<string, unknown> }[];
}

function assertCliMatches(out: CliRun, c: RefCase, label: string): void {
  assert.equal(out.code, 0, `${label}: ${out.stderr}`);
  const json = JSON.parse(out.stdout) as CliRank;
  assert.deepEqual(
    json.results.map((r) => r.docId),
    c.ranking,
    `${label}: ranking`,
  );
  for (const r of json.results) {
    const i = c.docs.findIndex((d) => d.docId === r.docId);
    assert.ok(Math.abs(r.score - c.scores[i]) <= TOL, `${label}: score of ${String(r.docId)}`);
    assert.deepEqual(r.metadata, c.docs[i].metadata ?? {});
  }
}

const rankArgs = (model: string, type: string, c: RefCase, file: string) => [
  "rank",
  "--model",
  model,
  "--model-type",
  type,
  "--json",
  "--query",
  c.query,
  "--docs",
  file,
];

test("CLI rank --json reproduces reference.json for every cross-encoder and FlashRank fixture", async () => {
  const jobs: Promise<void>[] = [];
  for (const name of [
    "tiny-bert-cross-encoder",
    "tiny-monobert",
    "tiny-xlm-roberta-cross-encoder",
    "minilm-l6-h384-random",
  ]) {
    const c = (readReference(name).cases as RefCase[]).find((x) => x.name === "edge-docs") as RefCase;
    jobs.push(
      cli(rankArgs(fixturePath(name), "cross-encoder", c, docsFile(c, name))).then((out) =>
        assertCliMatches(out, c, name),
      ),
    );
  }
  const fr = (readReference("tiny-flashrank").cases as RefCase[])[0];
  const zip = fixturePath("tiny-flashrank", "ms-marco-TinyBERT-L-2-v2.zip");
  const args = [
    ...rankArgs(zip, "flashrank", fr, docsFile(fr, "flashrank")),
    "--cache-dir",
    join(dir, "cache"),
  ];
  jobs.push(cli(args).then((out) => assertCliMatches(out, fr, "flashrank zip")));
  await Promise.all(jobs);
});

test("CLI: batch size, threads and worker mode give the same scores", async () => {
  const c = (readReference("tiny-monobert").cases as RefCase[])[0];
  const base = rankArgs(fixturePath("tiny-monobert"), "cross-encoder", c, docsFile(c, "opts"));
  const out = await cli([...base, "--batch-size", "1", "--threads", "1", "--option", "worker=true"]);
  assertCliMatches(out, c, "worker");
});

test("CLI: model file problems exit with code 3", async () => {
  const c = (readReference("tiny-bert-cross-encoder").cases as RefCase[])[0];
  const file = docsFile(c, "bad");
  const [dtype, notCe, missing] = await Promise.all([
    cli([...rankArgs(fixturePath("tiny-bert-cross-encoder"), "cross-encoder", c, file), "--dtype", "fp16"]),
    cli(rankArgs(fixturePath("tiny-colbert"), "cross-encoder", c, file)),
    cli(rankArgs(join(dir, "missing-model"), "cross-encoder", c, file)),
  ]);
  assert.equal(dtype.code, 3, dtype.stderr);
  assert.match(dtype.stderr, /model_fp16\.onnx/);
  assert.equal(notCe.code, 3, notCe.stderr);
  assert.equal(missing.code, 3, missing.stderr);
});
