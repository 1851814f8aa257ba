/** `rerankers/llm`: the building blocks of the LLM rankers (chat client, prompts, parsing, sliding windows). */

export { cutPassage, firstChars, firstWords } from "./budget.js";
export {
  completionsUrl,
  createChatClient,
  endpointName,
  functionChatClient,
  httpChatClient,
} from "./client.js";
export { mapLimit } from "./concurrency.js";
export type { LlmConfig } from "./config.js";
export { isReasoningModel, OPENAI_BASE_URL, readLlmConfig } from "./config.js";
export type { ListwiseConfig, WindowPrompt } from "./listwise.js";
export { readListwiseConfig, slidingWindowMethod } from "./listwise.js";
export { parsePermutation, rankedCount } from "./permutation.js";
export { RANKGPT_PASSAGE_BUDGET, RANKGPT_SYSTEM, rankGptMessages, rankGptPassage } from "./rankgpt-prompt.js";
export type { RankLlmPromptOptions } from "./rankllm-prompt.js";
export { escapeIdentifiers, rankLlmMessages, rankLlmWordBudget } from "./rankllm-prompt.js";
export type { Judgement, RelevanceLabel } from "./relevance-parse.js";
export { answerProbabilities, parseJudgements, relevanceProbability } from "./relevance-parse.js";
export { documentInputs, RELEVANCE_TEMPLATE, relevanceMessages } from "./relevance-prompt.js";
export type {
  ChatCallOptions,
  ChatClient,
  ChatFunction,
  ChatMessage,
  ChatReply,
  CompleteOptions,
  TokenAlternative,
  TokenLogprob,
} from "./types.js";
export type { WindowOptions, WindowSpan } from "./window.js";
export { slidingWindowRerank, windowSpans } from "./window.js";
