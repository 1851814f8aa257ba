// LlamaIndex.TS: a node postprocessor. Run: npx tsx examples/integrations/llamaindex.ts
// The fixture model has random weights: the plumbing runs offline, but its ranking means nothing. Use a real
// model name (e.g. "cross-encoder/ms-marco-MiniLM-L-6-v2") for real rankings.
import { MetadataMode, TextNode } from "llamaindex";
import { RerankersPostprocessor } from "rerankers/llamaindex";

const postprocessor = new RerankersPostprocessor({
  ranker: { model: "../shared/fixtures/tiny-bert-cross-encoder", options: { modelType: "cross-encoder" } },
  topK: 2,
});
const nodes = [
  "Open Settings, choose Security and click Reset password.",
  "Invoices are emailed to the billing contact every month.",
  "Two-factor authentication adds a code from your phone.",
].map((text, i) => ({ node: new TextNode({ text, id_: `n${i}` }) }));
for (const { node, score } of await postprocessor.postprocessNodes(nodes, "How do I reset my password?")) {
  console.log(score?.toFixed(4), node.id_, node.getContent(MetadataMode.NONE));
}
