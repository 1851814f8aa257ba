import { cutPassage } from "./budget.js";
import type { ChatMessage } from "./types.js";

/** Words per passage (characters for zh/ja), as RankGPT. */
export const RANKGPT_PASSAGE_BUDGET = 300;

export const RANKGPT_SYSTEM =
  "You are RankGPT, an intelligent assistant that can rank passages based on their relevancy to the query.";

/** RankGPT's passage text: the empty "Title: Content: " prefix removed, stripped, cut to the budget. */
export function rankGptPassage(text: string, lang: string, budget = RANKGPT_PASSAGE_BUDGET): string {
  return cutPassage(text.replace("Title: Content: ", "").trim(), budget, lang);
}

/**
 * The RankGPT conversation (sunnweiwei/RankGPT `create_permutation_instruction`, as in Python rerankers): system,
 * intro, acknowledgement, one user/assistant pair per passage, then the final instruction, verbatim
 * (including "Only response").
 */
export function rankGptMessages(
  query: string,
  passages: readonly string[],
  lang = "en",
  budget?: number,
): ChatMessage[] {
  const num = passages.length;
  const messages: ChatMessage[] = [
    { role: "system", content: RANKGPT_SYSTEM },
    {
      role: "user",
      content: `I will provide you with ${num} passages, each indicated by number identifier []. \nRank the passages based on their relevance to query: ${query}.`,
    },
    { role: "assistant", content: "Okay, please provide the passages." },
  ];
  passages.forEach((p, i) => {
    messages.push({ role: "user", content: `[${i + 1}] ${rankGptPassage(p, lang, budget)}` });
    messages.push({ role: "assistant", content: `Received passage [${i + 1}].` });
  });
  messages.push({
    role: "user",
    content: `Search Query: ${query}. \nRank the ${num} passages above based on their relevance to the search query. The passages should be listed in descending order using identifiers. The most relevant passages should be listed first. The output format should be [] > [], e.g., [1] > [2]. Only response the ranking results, do not say any word or explain.`,
  });
  return messages;
}
