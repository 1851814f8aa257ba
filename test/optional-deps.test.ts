import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runNode } from "./helpers/cli.js";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";

const BLOCK = join(REPO_ROOT, "test/helpers/block-optional-deps.mjs");

/** Run node with the optional peers blocked, TypeScript loaded by tsx. */
const node = (args: string[], input?: string) =>
  runNode(["--import", BLOCK, "--import", "tsx", ...args], { input });

describe("optional peer dependencies", () => {
  it("a local model without onnxruntime-node / tokenizers is a MissingDependencyError naming the npm install command (exit 3)", async () => {
    const r = await node(
      [
        "src/cli/main.ts",
        "rank",
        "--model",
        fixturePath("tiny-bert-cross-encoder"),
        "--model-type",
        "cross-encoder",
        "--query",
        "q",
        "--docs",
        "-",
      ],
      '"a document"\n',
    );
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /npm install (onnxruntime-node|@huggingface\/tokenizers)/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });

  it("the core, hosted providers and LLM rankers load without them", async () => {
    const script = `
      import { Reranker, resolveModel } from "./src/index.ts";
      await import("./src/providers/index.ts");
      await import("./src/llm/index.ts");
      const cohere = await Reranker("cohere:rerank-v3.5", { apiKey: "k", baseUrl: "http://127.0.0.1:9" });
      const gpt = await Reranker("rankgpt", { apiKey: "k", baseUrl: "http://127.0.0.1:9/v1" });
      console.log(JSON.stringify([cohere.modelType, gpt.modelType, resolveModel("colbert").modelType]));
    `;
    const r = await node(["--input-type=module", "-e", script]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ["cohere", "rankgpt", "colbert"]);
  });
});
