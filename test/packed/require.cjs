// Run inside a consumer project that installed the packed tarball (see test/package.test.ts):
// `node checks/require.cjs <model folder> <reference.json>`. CommonJS: every entry point through require().
const { readFileSync } = require("node:fs");

const entries = [
  "",
  "/local",
  "/providers",
  "/llm",
  "/server",
  "/eval",
  "/langchain",
  "/ai-sdk",
  "/llamaindex",
];
const exported = {};
for (const entry of entries) exported[`rerankers${entry}`] = Object.keys(require(`rerankers${entry}`)).sort();

const [model, referencePath] = process.argv.slice(2);
const { query, docs } = JSON.parse(readFileSync(referencePath, "utf8")).cases[0];
const { Reranker, InvalidInputError } = require("rerankers");

(async () => {
  const ranker = await Reranker(model, { modelType: "cross-encoder" });
  const results = await ranker.rank(
    query,
    docs.map((d) => d.text),
  );
  await ranker.close();
  let invalid;
  try {
    await ranker.rank("", ["a"]);
  } catch (error) {
    invalid = error instanceof InvalidInputError;
  }
  const ranked = results.results.map((r) => ({ index: r.docId, score: r.score }));
  console.log(JSON.stringify({ exported, ranked, invalid }));
})();
