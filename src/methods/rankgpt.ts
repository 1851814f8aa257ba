import { optInt } from "../core/options.js";
import { createRanker } from "../core/ranker.js";
import type { RankerFactory } from "../core/registry.js";
import { createChatClient } from "../llm/client.js";
import { readLlmConfig } from "../llm/config.js";
import { readListwiseConfig, slidingWindowMethod } from "../llm/listwise.js";
import { RANKGPT_PASSAGE_BUDGET, rankGptMessages } from "../llm/rankgpt-prompt.js";

/**
 * RankGPT: the RankGPT conversation sent to any OpenAI-compatible chat endpoint, over a back-to-front sliding
 * window. Options: baseUrl, apiKey, temperature, timeoutMs, maxRetries, maxTokens, chat, windowSize, step,
 * rankEnd, rankScores, passageBudget (words; characters for lang zh/ja).
 */
export const create: RankerFactory = async (options) => {
  const llm = readLlmConfig(options, { model: options.model });
  const listwise = readListwiseConfig(options);
  const budget = optInt(options, "passageBudget", 1) ?? RANKGPT_PASSAGE_BUDGET;
  const client = createChatClient(llm);
  const method = slidingWindowMethod(client, listwise, (query, passages) =>
    rankGptMessages(query, passages, options.lang, budget),
  );
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
