// Run inside a consumer project that installed the packed tarball (see test/package.test.ts):
// `node --import tsx checks/adapters.ts <model folder> <reference.json>`. Prints what each adapter ranked as JSON;
// the test compares it with the reference.
import { readFileSync } from "node:fs";
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { Document } from "@langchain/core/documents";
import { BaseRetriever } from "@langchain/core/retrievers";
import { createProviderRegistry, rerank } from "ai";
import { MetadataMode, TextNode } from "llamaindex";
import { createRerankers, rerankingModel } from "rerankers/ai-sdk";
import { RerankersCompressor } from "rerankers/langchain";
import { RerankersPostprocessor } from "rerankers/llamaindex";

const [model, referencePath] = process.argv.slice(2);
const { query, docs } = JSON.parse(readFileSync(referencePath, "utf8")).cases[0] as {
  query: string;
  docs: { text: string }[];
};
const texts = docs.map((d) => d.text);
const source = { model, options: { modelType: "cross-encoder" as const } };
type Ranked = { index: number; score: number }[];

class ListRetriever extends BaseRetriever {
  override lc_namespace = ["checks"];
  override async _getRelevantDocuments(): Promise<Document[]> {
    return texts.map((pageContent, index) => new Document({ pageContent, metadata: { index } }));
  }
}
const retriever = new ContextualCompressionRetriever({
  baseCompressor: new RerankersCompressor({ ranker: source }),
  baseRetriever: new ListRetriever(),
});
const langchain: Ranked = (await retriever.invoke(query)).map((d) => ({
  index: d.metadata.index,
  score: d.metadata.relevanceScore,
}));

const fromRanking = (r: { ranking: { originalIndex: number; score: number }[] }): Ranked =>
  r.ranking.map(({ originalIndex, score }) => ({ index: originalIndex, score }));
const aiSdk = fromRanking(
  await rerank({ model: rerankingModel(source, { maxDocumentsPerCall: 2 }), query, documents: texts }),
);
const provider = createRerankers({ options: source.options });
const registry = createProviderRegistry({ rerankers: provider });
const aiSdkRegistry = fromRanking(
  await rerank({
    model: registry.rerankingModel(`rerankers:${model}`),
    query,
    documents: texts.map((text) => ({ text })),
    providerOptions: { rerankers: { topK: 3, batchSize: 1, maxDocumentsPerCall: 3 } },
  }),
);
await provider.close();

const nodes = texts.map((text, i) => ({ node: new TextNode({ text, id_: String(i) }) }));
const llamaindex: Ranked = (
  await new RerankersPostprocessor({ ranker: source }).postprocessNodes(nodes, query)
).map(({ node, score }) => ({ index: Number(node.id_), score: score as number }));
const sameText = nodes.every(({ node }, i) => node.getContent(MetadataMode.NONE) === texts[i]);

console.log(JSON.stringify({ langchain, aiSdk, aiSdkRegistry, llamaindex, sameText }));
