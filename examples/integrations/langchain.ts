// LangChain.js: rerank retrieved documents with a compressor. Run: npx tsx examples/integrations/langchain.ts
// The fixture model has random weights: the plumbing runs offline, but its ranking means nothing. Use a real
// model name (e.g. "cross-encoder/ms-marco-MiniLM-L-6-v2") for real rankings.
import { Document } from "@langchain/core/documents";
import { RerankersCompressor } from "rerankers/langchain";

const compressor = new RerankersCompressor({
  ranker: { model: "../shared/fixtures/tiny-bert-cross-encoder", options: { modelType: "cross-encoder" } },
  topK: 2,
});
const retrieved = [
  new Document({
    pageContent: "Open Settings, choose Security and click Reset password.",
    metadata: { id: "pw" },
  }),
  new Document({
    pageContent: "Invoices are emailed to the billing contact every month.",
    metadata: { id: "billing" },
  }),
  new Document({
    pageContent: "Two-factor authentication adds a code from your phone.",
    metadata: { id: "2fa" },
  }),
];
for (const doc of await compressor.compressDocuments(retrieved, "How do I reset my password?")) {
  console.log(doc.metadata.relevanceScore.toFixed(4), doc.metadata.id, doc.pageContent);
}
