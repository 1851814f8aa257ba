/**
 * Qwen3-Reranker, as its model card runs it: a yes/no chat prompt to a causal LM; score = P(yes) = softmax over
 * the [no, yes] logits at the last position.
 */
import { createRanker } from "../core/ranker.js";
import type { RankerFactory } from "../core/registry.js";
import type { Tokenizer } from "../engine/tokenizer.js";
import {
  CausalLm,
  intOption,
  modelPositions,
  stringOption,
  verdictMethod,
  verdictTokenIds,
} from "./causal-lm.js";
import { fillTemplate } from "./template.js";

export const QWEN3_PROMPT = {
  prefix:
    '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n',
  suffix: "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
  template: "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {doc}",
  defaultInstruction: "Given a web search query, retrieve relevant passages that answer the query",
  tokenTrue: "yes",
  tokenFalse: "no",
} as const;

/** The model card's `max_length`, capped by the model's positions. */
export const QWEN3_MAX_LENGTH = 8192;

/** P(yes) from the two logits, computed stably in float64. */
export function yesProbability(logitNo: number, logitYes: number): number {
  const m = Math.max(logitNo, logitYes);
  const yes = Math.exp(logitYes - m);
  return yes / (yes + Math.exp(logitNo - m));
}

export class Qwen3Prompter {
  readonly prefix: number[];
  readonly suffix: number[];
  /** Token budget of the body (instruction + query + document). */
  readonly bodyMax: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxLength: number,
  ) {
    this.prefix = tokenizer.tokenize(QWEN3_PROMPT.prefix);
    this.suffix = tokenizer.tokenize(QWEN3_PROMPT.suffix);
    this.bodyMax = Math.max(0, maxLength - this.prefix.length - this.suffix.length);
  }

  /** `prefix + tok(body, truncation at bodyMax) + suffix` (a single sequence: longest_first cuts its end). */
  promptIds(query: string, doc: string, instruction: string): number[] {
    return this.prompt(query, doc, instruction).ids;
  }

  /** The prompt's ids, and whether the body was cut to `bodyMax`. */
  prompt(query: string, doc: string, instruction: string): { ids: number[]; truncated: boolean } {
    const body = fillTemplate(QWEN3_PROMPT.template, { instruction, query, doc });
    const enc = this.tokenizer.encode(body, this.bodyMax);
    return { ids: [...this.prefix, ...enc.ids, ...this.suffix], truncated: enc.truncated };
  }
}

/**
 * Options: `instruction` (the model card's web-search default), `maxLength` (8192, capped by the model's
 * max_position_embeddings), `tokenTrue`/`tokenFalse` ("yes"/"no"), `batchSize` (16), `tokenBudget`, `dtype`,
 * `threads`, `worker`, Hub options.
 */
export const create: RankerFactory = async (options) => {
  const lm = await CausalLm.open(options);
  const instruction = stringOption(options, "instruction") ?? QWEN3_PROMPT.defaultInstruction;
  const maxLength = Math.min(
    intOption(options, "maxLength", "max_length") ?? QWEN3_MAX_LENGTH,
    modelPositions(lm.folder),
  );
  const prompter = new Qwen3Prompter(lm.tokenizer, maxLength);
  const { trueId: yes, falseId: no } = verdictTokenIds(
    lm.tokenizer,
    options,
    { true: QWEN3_PROMPT.tokenTrue, false: QWEN3_PROMPT.tokenFalse },
    { true: "true", false: "false" },
  );
  const prompts = (query: string, docs: readonly string[]) =>
    docs.map((d) => prompter.prompt(query, d, instruction));
  const method = verdictMethod(lm, options, prompts, [no, yes], (l, o) => yesProbability(l[o], l[o + 1]));
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
