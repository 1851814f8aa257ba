// Type-checked (never run) inside a consumer project against the packed tarball's .d.ts files (see
// test/package.test.ts): each @ts-expect-error fails the check if the adapters' types degrade to `any`, e.g. when a
// host package's types stop resolving.
import type { ProviderV3, RerankingModelV3 } from "@ai-sdk/provider";
import { Document } from "@langchain/core/documents";
import type { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { TextNode } from "llamaindex";
import { createRerankers, type RerankersProvider, rerankingModel } from "rerankers/ai-sdk";
import { RerankersCompressor } from "rerankers/langchain";
import { RerankersPostprocessor } from "rerankers/llamaindex";

const provider: ProviderV3 = createRerankers({ maxDocumentsPerCall: 10 });
const model: RerankingModelV3 = (provider as RerankersProvider).rerankingModel("m");
const compressor: BaseDocumentCompressor = new RerankersCompressor({ ranker: "m" });

export async function checks(): Promise<void> {
  // @ts-expect-error documents are required by RerankingModelV3CallOptions
  await model.doRerank({ query: "q" });
  // @ts-expect-error a model id is a string
  rerankingModel(42);
  await compressor.compressDocuments([new Document({ pageContent: "a" })], "q");
  // @ts-expect-error LangChain documents have a pageContent
  await compressor.compressDocuments([{ text: "a" }], "q");
  const postprocessor = new RerankersPostprocessor({ ranker: "m" });
  await postprocessor.postprocessNodes([{ node: new TextNode({ text: "a" }) }], "q");
  // @ts-expect-error LlamaIndex nodes are BaseNode objects
  await postprocessor.postprocessNodes([{ node: { text: "a" } }], "q");
}
