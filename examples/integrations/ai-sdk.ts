// Vercel AI SDK: any reranker as a reranking model for rerank(). Run: npx tsx examples/integrations/ai-sdk.ts
// The fixture model has random weights: the plumbing runs offline, but its ranking means nothing. Use a real
// model name (e.g. "cross-encoder/ms-marco-MiniLM-L-6-v2") for real rankings.
import { rerank } from "ai";
import { rerankingModel } from "rerankers/ai-sdk";

const { ranking } = await rerank({
  model: rerankingModel({
    model: "../shared/fixtures/tiny-bert-cross-encoder",
    options: { modelType: "cross-encoder" },
  }),
  query: "How do I reset my password?",
  documents: [
    "Open Settings, choose Security and click Reset password.",
    "Invoices are emailed to the billing contact every month.",
    "Two-factor authentication adds a code from your phone.",
  ],
  topN: 2,
});
for (const r of ranking) console.log(r.score.toFixed(4), r.originalIndex, r.document);
