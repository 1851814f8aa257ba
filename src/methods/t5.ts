import type { Document } from "../core/documents.js";
import { InvalidInputError, ModelOutputError } from "../core/errors.js";
import { optBool, optInt, optString } from "../core/options.js";
import { createRanker, type MethodContext, type PointwiseMethod } from "../core/ranker.js";
import type { FactoryOptions, RankerFactory } from "../core/registry.js";
import type { TensorOutput } from "../engine/onnx.js";
import type { Encoding, Tokenizer } from "../engine/tokenizer.js";
import { Seq2SeqModel } from "./seq2seq.js";
import { predictionTokens, resolveTokenId, type TokenSpec } from "./t5-tokens.js";
import { fillTemplate } from "./template.js";

/**
 * monoT5-style rerankers (monoT5, InRanker, mT5, ptT5, TWOLAR): one decoder step from `decoder_start_token_id`;
 * score = P(true) = softmax over the [false, true] logits, or the raw true logit with `returnLogits`.
 */

export const T5_TEMPLATE = "Query: {query} Document: {text} Relevant:";
export const T5_MAX_LENGTH = 512;
export const T5_BATCH_SIZE = 32;

export { fillTemplate } from "./template.js";

/** P(true) from the two logits, computed stably in float64: e^t / (e^f + e^t). */
export function trueProbability(falseLogit: number, trueLogit: number): number {
  return 1 / (1 + Math.exp(falseLogit - trueLogit));
}

/** Encoder input for each document: the filled template, truncated to `maxLength` with the tokenizer's EOS kept. */
export function t5Encodings(
  tok: Tokenizer,
  template: string,
  query: string,
  texts: readonly string[],
  maxLength: number,
): Encoding[] {
  return texts.map((text) => tok.encode(fillTemplate(template, { query, text }), maxLength));
}

/** Encoder ids for each document (see `t5Encodings`). */
export function t5InputIds(
  tok: Tokenizer,
  template: string,
  query: string,
  texts: readonly string[],
  maxLength: number,
): number[][] {
  return t5Encodings(tok, template, query, texts, maxLength).map((e) => e.ids);
}

function tokenOption(options: FactoryOptions, key: string): TokenSpec | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" || typeof v === "number") return v;
  throw new InvalidInputError(`option ${key} must be a token string or an integer id`);
}

export interface T5Settings {
  template: string;
  maxLength: number;
  returnLogits: boolean;
  batchSize: number;
  tokenBudget: number | undefined;
}

export function t5Settings(options: FactoryOptions): T5Settings {
  const template = optString(options, "template") ?? T5_TEMPLATE;
  if (!template.includes("{query}") || !template.includes("{text}")) {
    throw new InvalidInputError("option template must contain {query} and {text}");
  }
  return {
    template,
    maxLength: optInt(options, "maxLength", 2) ?? T5_MAX_LENGTH,
    returnLogits: optBool(options, "returnLogits") ?? false,
    batchSize: optInt(options, "batchSize") ?? T5_BATCH_SIZE,
    tokenBudget: optInt(options, "tokenBudget"),
  };
}

export const create: RankerFactory = async (options) => {
  const settings = t5Settings(options);
  const model = await Seq2SeqModel.load(options);
  try {
    const { tokens } = predictionTokens(options.model);
    const userFalse = tokenOption(options, "tokenFalse");
    const userTrue = tokenOption(options, "tokenTrue");
    const vocabSize =
      typeof model.folder.config.vocab_size === "number"
        ? model.folder.config.vocab_size
        : Number.MAX_SAFE_INTEGER;
    const tok = model.tokenizer;
    const falseId = resolveTokenId(
      userFalse ?? tokens[0],
      tok,
      vocabSize,
      "tokenFalse",
      userFalse !== undefined,
    );
    const trueId = resolveTokenId(userTrue ?? tokens[1], tok, vocabSize, "tokenTrue", userTrue !== undefined);
    const start = model.decoderStartTokenId;

    const method: PointwiseMethod = {
      kind: "pointwise",
      async scoreDocuments(query: string, docs: readonly Document[], ctx: MethodContext) {
        const encodings = t5Encodings(
          tok,
          settings.template,
          query,
          docs.map((d) => d.text),
          settings.maxLength,
        );
        const rows = encodings.map((e) => e.ids);
        const read = (logits: TensorOutput) => {
          const vocab = logits.dims[2];
          if (falseId >= vocab || trueId >= vocab) {
            throw new ModelOutputError(
              `decoder logits have ${vocab} entries; token ids ${falseId}/${trueId} are out of range`,
            );
          }
          const out = new Float64Array(logits.dims[0]);
          for (let b = 0; b < out.length; b++) {
            const lf = logits.data[b * vocab + falseId];
            const lt = logits.data[b * vocab + trueId];
            out[b] = settings.returnLogits ? lt : trueProbability(lf, lt);
          }
          return out;
        };
        const lengths = rows.map((r) => r.length);
        const scores = await model.scoreRows(rows, lengths, [start], read, ctx, settings);
        return { scores, flags: encodings.map((e) => (e.truncated ? { truncated: true } : undefined)) };
      },
      close: () => model.close(),
    };
    return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
  } catch (err) {
    await model.close();
    throw err;
  }
};
