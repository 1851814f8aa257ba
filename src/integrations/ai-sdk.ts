export type { RerankersCallOptions, RerankersRerankingModel, RerankingModelOptions } from "./ai-sdk-model.js";
export { rerankingModel } from "./ai-sdk-model.js";
export type { RerankersProvider, RerankersProviderSettings } from "./ai-sdk-provider.js";
export { createRerankers } from "./ai-sdk-provider.js";
