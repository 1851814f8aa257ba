// Vercel AI SDK: any reranker as a reranking model for rerank(). Run: npx tsx examples/integrations/ai-sdk.ts
// The fixture model has random weights: the plumbing runs offline, but its ranking means nothing. Use a real
// model name (e.g. "cross-encoder/ms-marco-MiniLM-L-6-v2") for real rankings.
import { createProviderRegistry, rerank } from "ai";
import { createRerankers, rerankingModel } from "rerankers/ai-sdk";

const model = "../shared/fixtures/tiny-bert-cross-encoder";
const query = "How do I reset my password?";
const documents = [
  "Open Settings, choose Security and click Reset password.",
  "Invoices are emailed to the billing contact every month.",
  "Two-factor authentication adds a code from your phone.",
];

// One model.
const { ranking } = await rerank({
  model: rerankingModel({ model, options: { modelType: "cross-encoder" } }),
  query,
  documents,
  topN: 2,
});
for (const r of ranking) console.log("model   ", r.score.toFixed(4), r.originalIndex, r.document);

// A provider in a registry, with per-call options under providerOptions.rerankers.
const registry = createProviderRegistry({
  rerankers: createRerankers({ options: { modelType: "cross-encoder" } }),
});
const viaRegistry = await rerank({
  model: registry.rerankingModel(`rerankers:${model}`),
  query,
  documents,
  providerOptions: { rerankers: { topK: 2, batchSize: 2 } },
});
for (const r of viaRegistry.ranking) console.log("registry", r.score.toFixed(4), r.originalIndex, r.document);
