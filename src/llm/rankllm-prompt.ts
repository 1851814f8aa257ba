import { firstWords } from "./budget.js";
import type { ChatMessage } from "./types.js";

/** rank_llm `_replace_number`: `[12]` in a query or passage becomes `(12)` so it cannot be read as an identifier. */
export function escapeIdentifiers(text: string): string {
  return text.replace(/\[(\d+)\]/g, "($1)");
}

/** rank_llm's per-passage word budget for a window of `windowLength` passages: `300 * 20 / windowLength`. */
export function rankLlmWordBudget(windowLength: number): number {
  return Math.floor((300 * 20) / Math.max(1, windowLength));
}

export interface RankLlmPromptOptions {
  /** Words per passage; default `rankLlmWordBudget(passages.length)`. */
  maxWords?: number;
  /** rank_llm's `variable_passages`: the example ordering becomes `[2] > [1]`. */
  variablePassages?: boolean;
}

/**
 * The RankZephyr / RankVicuna / FirstMistral listwise prompt: one user message, no system message (rank_llm
 * `RankListwiseOSLLM.create_prompt`, PromptMode.RANK_GPT). We send "each indicated by a numerical identifier" with
 * one space, the wording these models were trained on (rank_llm before its identifier refactor, and again at
 * HEAD); 0.21.0's `" a numerical"` substitution produced two spaces by accident. The server applies the model's
 * chat template.
 */
export function rankLlmMessages(
  query: string,
  passages: readonly string[],
  options: RankLlmPromptOptions = {},
): ChatMessage[] {
  const num = passages.length;
  const maxWords = options.maxWords ?? rankLlmWordBudget(num);
  const q = escapeIdentifiers(query);
  let content = `I will provide you with ${num} passages, each indicated by a numerical identifier []. Rank the passages based on their relevance to the search query: ${q}.\n\n`;
  passages.forEach((p, i) => {
    content += `[${i + 1}] ${escapeIdentifiers(firstWords(p.trim(), maxWords))}\n`;
  });
  const example = options.variablePassages ? "[2] > [1]" : "[4] > [2]";
  content += `Search Query: ${q}.\nRank the ${num} passages above based on their relevance to the search query. All the passages should be included and listed using identifiers, in descending order of relevance. The output format should be [] > [], e.g., ${example}, Only respond with the ranking results, do not say any word or explain.`;
  return [{ role: "user", content }];
}
