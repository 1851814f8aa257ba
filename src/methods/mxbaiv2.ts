/**
 * mxbai-rerank v2 (Python `MxBaiV2Ranker`): a Qwen2 causal LM asked for a binary judgment in a chat prompt;
 * score = logit("1") − logit("0") at the last token, no sigmoid.
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

export const MXBAI_PROMPT = {
  prefix:
    "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n",
  suffix: "<|im_end|>\n<|im_start|>assistant\n",
  taskPrompt:
    "You are a search relevance expert who evaluates how well documents match search queries. For each query-document pair, carefully analyze the semantic relationship between them, then provide your binary relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:",
  sep: "\n",
  queryTemplate: "query: {query}",
  docTemplate: "document: {document}",
  instructionTemplate: "instruction: {instruction}",
  posToken: "1",
  negToken: "0",
} as const;

/** Python's default `max_length`. */
export const MXBAI_MAX_LENGTH = 8192;

/** The prompt's fixed pieces, tokenised once. */
export interface MxbaiPieces {
  prefix: number[];
  task: number[];
  suffix: number[];
  sep: number[];
}

export interface MxbaiBudgets {
  /** Tokens for query + sep + document. */
  maxLength: number;
  queryMax: number;
  /** Upper bound of the document budget before the query's own length is taken off. */
  docCap: number;
  staticLength: number;
  modelMax: number;
}

/**
 * The reference budgets: `static = |prefix|+|task|+|suffix|+|sep|`; `max_length` (8192) is reduced to
 * `model_max − static` when it does not fit; the query gets `max_length*3//4`, the document at most `max_length//4`.
 */
export function mxbaiBudgets(
  pieces: MxbaiPieces,
  modelMax: number,
  maxLength = MXBAI_MAX_LENGTH,
): MxbaiBudgets {
  const staticLength = pieces.prefix.length + pieces.task.length + pieces.suffix.length + pieces.sep.length;
  const fitted = maxLength + staticLength > modelMax ? modelMax - staticLength : maxLength;
  return {
    maxLength: fitted,
    queryMax: Math.floor((fitted * 3) / 4),
    docCap: Math.floor(fitted / 4),
    staticLength,
    modelMax,
  };
}

/** The document budget for a query of `queryLength` tokens. */
export function mxbaiDocMax(b: MxbaiBudgets, queryLength: number): number {
  return Math.max(0, Math.min(b.modelMax - queryLength - b.staticLength, b.docCap));
}

/** `prefix + query + (sep + doc, only_second-truncated to max_length) + sep + task + suffix`. */
export function assembleMxbai(
  pieces: MxbaiPieces,
  queryIds: readonly number[],
  docIds: readonly number[],
  maxLength: number,
): number[] {
  let second = [...pieces.sep, ...docIds];
  const excess = queryIds.length + second.length - maxLength;
  // Python's only_second leaves the pair untouched (and logs) when the second sequence is too short to absorb it.
  if (excess > 0 && second.length > excess) second = second.slice(0, second.length - excess);
  return [...pieces.prefix, ...queryIds, ...second, ...pieces.sep, ...pieces.task, ...pieces.suffix];
}

/** Query text: `instruction: {instruction}\nquery: {query}` with an instruction, else `query: {query}`. */
export function mxbaiQueryText(query: string, instruction?: string): string {
  const q = fillTemplate(MXBAI_PROMPT.queryTemplate, { query });
  if (instruction === undefined || instruction === "") return q;
  return fillTemplate(MXBAI_PROMPT.instructionTemplate, { instruction }) + MXBAI_PROMPT.sep + q;
}

/** Tokenises queries and documents into full prompts for one model. */
export class MxbaiPrompter {
  readonly pieces: MxbaiPieces;
  readonly budgets: MxbaiBudgets;

  constructor(
    private readonly tokenizer: Tokenizer,
    modelMax: number,
    maxLength?: number,
  ) {
    const t = (s: string) => tokenizer.tokenize(s);
    this.pieces = {
      prefix: t(MXBAI_PROMPT.prefix),
      task: t(MXBAI_PROMPT.taskPrompt),
      suffix: t(MXBAI_PROMPT.suffix),
      sep: t(MXBAI_PROMPT.sep),
    };
    this.budgets = mxbaiBudgets(this.pieces, modelMax, maxLength);
  }

  queryIds(query: string, instruction?: string): number[] {
    return this.query(query, instruction).ids;
  }

  /** The query's ids, and whether they were cut to the query budget. */
  query(query: string, instruction?: string): { ids: number[]; truncated: boolean } {
    const ids = this.tokenizer.tokenize(mxbaiQueryText(query, instruction));
    return { ids: ids.slice(0, this.budgets.queryMax), truncated: ids.length > this.budgets.queryMax };
  }

  promptIds(queryIds: readonly number[], doc: string): number[] {
    return this.prompt(queryIds, doc).ids;
  }

  /** The prompt's ids, and whether the document was cut to fit. */
  prompt(queryIds: readonly number[], doc: string): { ids: number[]; truncated: boolean } {
    const docIds = this.tokenizer.tokenize(fillTemplate(MXBAI_PROMPT.docTemplate, { document: doc }));
    const docMax = mxbaiDocMax(this.budgets, queryIds.length);
    const ids = assembleMxbai(this.pieces, queryIds, docIds.slice(0, docMax), this.budgets.maxLength);
    const p = this.pieces;
    const full =
      p.prefix.length + queryIds.length + 2 * p.sep.length + docIds.length + p.task.length + p.suffix.length;
    return { ids, truncated: ids.length < full };
  }
}

/**
 * Options: `instruction` (prepended to every query), `maxLength` (8192), `tokenTrue`/`tokenFalse` ("1"/"0"),
 * `batchSize` (16), `tokenBudget`, `dtype`, `threads`, `worker`, Hub options.
 */
export const create: RankerFactory = async (options) => {
  const lm = await CausalLm.open(options);
  const instruction = stringOption(options, "instruction");
  const prompter = new MxbaiPrompter(
    lm.tokenizer,
    modelPositions(lm.folder),
    intOption(options, "maxLength", "max_length"),
  );
  const { trueId: pos, falseId: neg } = verdictTokenIds(
    lm.tokenizer,
    options,
    { true: MXBAI_PROMPT.posToken, false: MXBAI_PROMPT.negToken },
    { true: "relevant", false: "not relevant" },
  );
  const prompts = (query: string, docs: readonly string[]) => {
    const q = prompter.query(query, instruction);
    return docs.map((d) => {
      const p = prompter.prompt(q.ids, d);
      return { ids: p.ids, truncated: p.truncated || q.truncated };
    });
  };
  const method = verdictMethod(lm, options, prompts, [pos, neg], (l, o) => l[o] - l[o + 1]);
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
