// LangChain.js: rerank what a retriever returns. Run: npx tsx examples/integrations/langchain.ts
// The fixture model has random weights: the plumbing runs offline, but its ranking means nothing. Use a real
// model name (e.g. "cross-encoder/ms-marco-MiniLM-L-6-v2") for real rankings.
// LangChain 1.x keeps ContextualCompressionRetriever in @langchain/classic (npm install @langchain/classic);
// on LangChain 0.3: import { ContextualCompressionRetriever } from "langchain/retrievers/contextual_compression";
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { Document } from "@langchain/core/documents";
import { BaseRetriever } from "@langchain/core/retrievers";
import { RerankersCompressor } from "rerankers/langchain";

const faq = [
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

// Stands in for your vector store's retriever (`vectorStore.asRetriever()`).
class FaqRetriever extends BaseRetriever {
  override lc_namespace = ["examples", "faq"];
  override async _getRelevantDocuments(): Promise<Document[]> {
    return faq;
  }
}

const retriever = new ContextualCompressionRetriever({
  baseCompressor: new RerankersCompressor({
    ranker: { model: "../shared/fixtures/tiny-bert-cross-encoder", options: { modelType: "cross-encoder" } },
    topK: 2,
  }),
  baseRetriever: new FaqRetriever(),
});
for (const doc of await retriever.invoke("How do I reset my password?")) {
  console.log(doc.metadata.relevanceScore.toFixed(4), doc.metadata.id, doc.pageContent);
}
