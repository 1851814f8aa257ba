import type { EmbeddingModelV3, ImageModelV3, LanguageModelV3, ProviderV3 } from "@ai-sdk/provider";
import { InvalidInputError, UnsupportedOperationError } from "../core/errors.js";
import type { Ranker } from "../core/ranker.js";
import { Reranker, type RerankerOptions } from "../core/reranker.js";
import {
  modelFromLoader,
  positiveInteger,
  type RerankersRerankingModel,
  type RerankingModelOptions,
} from "./ai-sdk-model.js";

export interface RerankersProviderSettings extends Omit<RerankingModelOptions, "modelId"> {
  /** Options for every model this provider loads (`modelType`, `dtype`, `apiKey`, `baseUrl`, …). */
  options?: RerankerOptions;
}

/**
 * An AI SDK provider (`ProviderV3`) whose reranking models are rerankers' models, so it can sit in
 * `createProviderRegistry({ rerankers: createRerankers() })` and serve `registry.rerankingModel("rerankers:<model>")`.
 */
export interface RerankersProvider extends ProviderV3 {
  /** The model for a rerankers model name (`cross-encoder/ms-marco-MiniLM-L-6-v2`, `cohere:rerank-v3.5`, a folder…). */
  rerankingModel(modelId: string): RerankersRerankingModel;
  /** Close every model this provider loaded; a later call loads its model again. */
  close(): Promise<void>;
}

function notOffered(kind: string, modelId: string): never {
  throw new UnsupportedOperationError(
    `the rerankers provider has reranking models only, no ${kind} "${modelId}"`,
  );
}

/** A provider for the AI SDK. One model per id; it loads on its first call (never here), once. */
export function createRerankers(settings: RerankersProviderSettings = {}): RerankersProvider {
  const { options, ...modelOptions } = settings;
  positiveInteger("maxDocumentsPerCall", modelOptions.maxDocumentsPerCall);
  positiveInteger("batchSize", modelOptions.batchSize);
  const entries = new Map<string, { model: RerankersRerankingModel; ranker?: Promise<Ranker> }>();

  return {
    specificationVersion: "v3",
    rerankingModel(modelId: string): RerankersRerankingModel {
      if (typeof modelId !== "string" || modelId.trim() === "") {
        throw new InvalidInputError(
          `a rerankers model id must be a non-empty string, got ${JSON.stringify(modelId)}`,
        );
      }
      const known = entries.get(modelId);
      if (known !== undefined) return known.model;
      const entry: { model?: RerankersRerankingModel; ranker?: Promise<Ranker> } = {};
      // A failed load is not kept: the next call retries.
      const load = (): Promise<Ranker> => {
        entry.ranker ??= Reranker(modelId, options ?? {}).catch((err) => {
          entry.ranker = undefined;
          throw err;
        });
        return entry.ranker;
      };
      const model = modelFromLoader(load, modelId, modelOptions);
      entries.set(modelId, Object.assign(entry, { model }));
      return model;
    },
    languageModel: (modelId: string): LanguageModelV3 => notOffered("language model", modelId),
    embeddingModel: (modelId: string): EmbeddingModelV3 => notOffered("embedding model", modelId),
    imageModel: (modelId: string): ImageModelV3 => notOffered("image model", modelId),
    async close() {
      const pending = [...entries.values()].flatMap((entry) => {
        const ranker = entry.ranker;
        entry.ranker = undefined;
        return ranker === undefined ? [] : [ranker];
      });
      for (const result of await Promise.allSettled(pending)) {
        if (result.status === "fulfilled") await result.value.close();
      }
    },
  };
}
