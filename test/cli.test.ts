import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { backendOptions } from "../src/cli/backend-options.js";
import { readDocuments } from "../src/cli/read-docs.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath } from "./helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "rerankers-cli-"));
function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const cli = (args: string[], input?: string) => runCli(args, { input });

describe("readDocuments", () => {
  it("reads JSONL with strings and objects", async () => {
    const p = file("a.jsonl", '"plain"\n\n{"text":"obj","docId":"x","metadata":{"k":1}}\n');
    assert.deepEqual(await readDocuments(p), ["plain", { text: "obj", docId: "x", metadata: { k: 1 } }]);
  });
  it("reads a JSON array", async () => {
    assert.deepEqual(await readDocuments(file("a.json", '["a", {"text":"b"}]')), ["a", { text: "b" }]);
  });
  it("reads .txt one document per line, skipping blank lines", async () => {
    assert.deepEqual(await readDocuments(file("a.txt", '{"not": "json"}\nsecond line\n\n')), [
      '{"not": "json"}',
      "second line",
    ]);
  });
  it("reports the line of a bad JSONL line", async () => {
    await assert.rejects(
      readDocuments(file("b.jsonl", '"ok"\n{broken\n')),
      /b\.jsonl line 2: not valid JSON/,
    );
  });
  it("rejects a JSON file that is not an array, and a missing file", async () => {
    await assert.rejects(readDocuments(file("c.json", '{"text":"a"}')), /expected a JSON array/);
    await assert.rejects(readDocuments(join(dir, "missing.jsonl")), /cannot read --docs .*ENOENT/);
  });
});

describe("backendOptions", () => {
  it("maps flags to camelCase options and parses --option values as JSON when possible", () => {
    assert.deepEqual(
      backendOptions({
        baseUrl: "http://x",
        threads: "2",
        option: ["sigmoid=true", "instruction=find it", "n=3"],
      }),
      { baseUrl: "http://x", threads: 2, sigmoid: true, instruction: "find it", n: 3 },
    );
    assert.throws(() => backendOptions({ option: ["novalue"] }), /--option expects key=value/);
    assert.throws(() => backendOptions({ threads: "0" }), /--threads must be a positive integer/);
  });
});

describe("rerankers CLI", () => {
  it("resolve --json prints what resolveModel returns, plus where the model runs", async () => {
    const r = await cli(["resolve", "cross-encoder/ms-marco-MiniLM-L-12-v2", "--json"]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      modelType: "cross-encoder",
      model: "cross-encoder/ms-marco-MiniLM-L-12-v2",
      provider: null,
      runs: "local",
      endpoint: null,
    });
    const hosted = await cli(["resolve", "cohere", "--lang", "fr", "--json"]);
    assert.deepEqual(JSON.parse(hosted.stdout), {
      modelType: "cohere",
      model: "rerank-v3.5",
      provider: "cohere",
      runs: "hosted",
      endpoint: null,
    });
    const typed = await cli(["resolve", "x", "--model-type", "tei", "--json"]);
    assert.deepEqual(JSON.parse(typed.stdout), {
      modelType: "text-embeddings-inference",
      model: "x",
      provider: "text-embeddings-inference",
      runs: "hosted",
      endpoint: null,
    });
  });

  it("exits 2 with one line for bad usage and invalid input", async () => {
    const missingQuery = await cli(["rank", "--model", "x"]);
    assert.equal(missingQuery.code, 2);
    assert.equal(missingQuery.stderr.trim().split("\n").length, 1);
    const unknownType = await cli(["resolve", "x", "--model-type", "nope"]);
    assert.equal(unknownType.code, 2);
    assert.match(unknownType.stderr, /^rerankers: unknown model type "nope"; known model types: /);
    assert.equal(unknownType.stderr.trim().split("\n").length, 1);
    const badDocs = await cli([
      "rank",
      "--model",
      "x",
      "--query",
      "q",
      "--docs",
      file("bad.jsonl", "{oops\n"),
    ]);
    assert.equal(badDocs.code, 2);
    assert.match(badDocs.stderr, /line 1: not valid JSON/);
    const emptyQuery = await cli(["rank", "--model", "x", "--query", " ", "--docs", "-"], '"a"\n');
    assert.equal(emptyQuery.code, 2);
  });

  it("exits 3 for a method that is not available here, and prints the stack only with --verbose", async () => {
    const r = await cli(
      ["rank", "--model", "lightonai/MonoQwen2-VL-v0.1", "--query", "q", "--docs", "-"],
      '"a"\n',
    );
    assert.equal(r.code, 3);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    const v = await cli(
      ["rank", "--model", "lightonai/MonoQwen2-VL-v0.1", "--query", "q", "--docs", "-", "--verbose"],
      '"a"\n',
    );
    assert.ok(v.stderr.trim().split("\n").length > 1);
  });

  it("ranks with a real fixture model and warns on stderr about truncated documents", async () => {
    const docs = file("long.jsonl", `"a short document"\n${JSON.stringify(`${"word ".repeat(700)}end`)}\n`);
    const r = await cli([
      "rank",
      "--model",
      fixturePath("tiny-bert-cross-encoder"),
      "--model-type",
      "cross-encoder",
      "--query",
      "q",
      "--docs",
      docs,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ["query", "model", "modelType", "results"]);
    assert.deepEqual(Object.keys(out.results[0]), ["docId", "text", "score", "rank", "metadata"]);
    assert.deepEqual(out.results.map((x: { docId: number }) => x.docId).sort(), [0, 1]);
    assert.match(r.stderr, /warning: 1 of 2 results were truncated/);
  });
});
