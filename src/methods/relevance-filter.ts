import type { Document } from "../core/documents.js";
import { ProviderError } from "../core/errors.js";
import { optBool, optInt, optString } from "../core/options.js";
import { createRanker, type MethodContext, type PointwiseMethod } from "../core/ranker.js";
import type { RankerFactory } from "../core/registry.js";
import type { ResultFlags } from "../core/results.js";
import { createChatClient } from "../llm/client.js";
import { mapLimit } from "../llm/concurrency.js";
import { readLlmConfig } from "../llm/config.js";
import { answerProbabilities, parseJudgements } from "../llm/relevance-parse.js";
import { RELEVANCE_TEMPLATE, relevanceMessages } from "../llm/relevance-prompt.js";
import type { ChatClient, ChatReply } from "../llm/types.js";

export interface RelevanceFilterConfig {
  /** Documents per call (default 10); ids are 0-based within each call. */
  maxDocumentsPerCall: number;
  maxConcurrency: number;
  /** Ask for token log-probabilities and score P(RELEVANT) (default true; falls back to 1/0). */
  logprobs: boolean;
  /** Template with `{query}` and `{docu_inputs}` placeholders. */
  template: string;
}

/**
 * The pointwise RELEVANT / NOT_RELEVANT judge. A document the model did not judge gets no score and
 * `flags.unjudged`; it is ranked after every judged document.
 */
export function relevanceFilterMethod(client: ChatClient, config: RelevanceFilterConfig): PointwiseMethod {
  let useLogprobs = config.logprobs;

  async function ask(query: string, texts: string[], signal: AbortSignal | undefined): Promise<ChatReply> {
    const messages = relevanceMessages(query, texts, config.template);
    if (!useLogprobs) return client.complete(messages, { signal });
    try {
      return await client.complete(messages, { signal, logprobs: true });
    } catch (err) {
      // Some servers reject `logprobs` with 400: when the same call then works without them, stop asking.
      if (!(err instanceof ProviderError) || err.status !== 400) throw err;
      const reply = await client.complete(messages, { signal });
      useLogprobs = false; // only once the same request succeeded without them
      return reply;
    }
  }

  return {
    kind: "pointwise",
    async scoreDocuments(query: string, docs: readonly Document[], ctx: MethodContext) {
      const n = docs.length;
      const size = ctx.batchSize ?? config.maxDocumentsPerCall;
      const batches: number[][] = [];
      for (let s = 0; s < n; s += size)
        batches.push(Array.from({ length: Math.min(size, n - s) }, (_, k) => s + k));
      const scores: (number | undefined)[] = new Array(n).fill(undefined);
      const flags: (ResultFlags | undefined)[] = new Array(n).fill(undefined);
      let done = 0;
      await mapLimit(batches, config.maxConcurrency, async (batch) => {
        const reply = await ask(
          query,
          batch.map((i) => docs[i].text),
          ctx.signal,
        );
        const judgements = parseJudgements(reply.content, batch.length);
        const probabilities = reply.logprobs ? answerProbabilities(judgements, reply.logprobs) : [];
        batch.forEach((docIndex, k) => {
          const j = judgements[k];
          if (j === undefined) {
            flags[docIndex] = { unjudged: true };
            return;
          }
          scores[docIndex] = probabilities[k] ?? (j.label === "RELEVANT" ? 1 : 0);
        });
        done += batch.length;
        ctx.progress(done);
      });
      return { scores, flags };
    },
  };
}

/**
 * llm-relevance-filter: Python rerankers' prompt, batched (`maxDocumentsPerCall`) and run in parallel
 * (`maxConcurrency`) against any OpenAI-compatible chat endpoint or a `chat` function.
 */
export const create: RankerFactory = async (options) => {
  const llm = readLlmConfig(options, { model: options.model });
  const method = relevanceFilterMethod(createChatClient(llm), {
    maxDocumentsPerCall: optInt(options, "maxDocumentsPerCall", 1) ?? 10,
    maxConcurrency: llm.maxConcurrency,
    logprobs: optBool(options, "logprobs") ?? true,
    template: optString(options, "promptTemplate") ?? RELEVANCE_TEMPLATE,
  });
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
