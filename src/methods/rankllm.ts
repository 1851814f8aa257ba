import { optBool, optInt } from "../core/options.js";
import { createRanker } from "../core/ranker.js";
import type { RankerFactory } from "../core/registry.js";
import { RANKLLM_SHORTHANDS } from "../core/resolve.js";
import { createChatClient } from "../llm/client.js";
import { readLlmConfig } from "../llm/config.js";
import { readListwiseConfig, slidingWindowMethod } from "../llm/listwise.js";
import { rankLlmMessages } from "../llm/rankllm-prompt.js";

/** vLLM's default address: the castorini models are served locally, not by OpenAI. */
export const RANKLLM_BASE_URL = "http://localhost:8000/v1";

/**
 * RankZephyr / RankVicuna / FirstMistral: rank_llm's listwise prompt (one user message) sent to an
 * OpenAI-compatible server such as vLLM, over rank_llm's sliding window. Options as rankgpt, plus maxWords
 * (default `300 * 20 / window length`) and variablePassages.
 */
export const create: RankerFactory = async (options) => {
  const model = RANKLLM_SHORTHANDS[options.model.toLowerCase()] ?? options.model;
  const llm = readLlmConfig(options, { model, baseUrl: RANKLLM_BASE_URL });
  const listwise = readListwiseConfig(options);
  const maxWords = optInt(options, "maxWords", 1);
  const variablePassages = optBool(options, "variablePassages") ?? false;
  const client = createChatClient(llm);
  const method = slidingWindowMethod(client, listwise, (query, passages) =>
    rankLlmMessages(query, passages, { maxWords, variablePassages }),
  );
  return createRanker({ modelType: options.modelType, model, provider: null }, method);
};
