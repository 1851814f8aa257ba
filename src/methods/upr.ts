import type { Document } from "../core/documents.js";
import { InvalidInputError } from "../core/errors.js";
import { optInt, optString } from "../core/options.js";
import { createRanker, type MethodContext, type PointwiseMethod } from "../core/ranker.js";
import type { FactoryOptions, RankerFactory } from "../core/registry.js";
import type { TensorOutput } from "../engine/onnx.js";
import type { Tokenizer } from "../engine/tokenizer.js";
import { Seq2SeqModel } from "./seq2seq.js";

/**
 * UPR (unsupervised passage re-ranking): score = log P(query | passage prompt) under a T5 LM, teacher-forced,
 * = Σ over every query token (the final </s> included) of log_softmax(logits)[t, label_t]. Higher is better.
 */

export const UPR_HEAD = "Passage:";
export const UPR_VERBALIZER = "Please write a question based on this passage.";
export const UPR_MAX_INPUT_LENGTH = 512;
export const UPR_MAX_QUERY_LENGTH = 128;
export const UPR_BATCH_SIZE = 16;

export interface UprSettings {
  verbalizerHead: string;
  verbalizer: string;
  maxInputLength: number;
  maxQueryLength: number;
  batchSize: number;
  tokenBudget: number | undefined;
}

export function uprSettings(options: FactoryOptions): UprSettings {
  return {
    verbalizerHead: optString(options, "verbalizerHead") ?? UPR_HEAD,
    verbalizer: optString(options, "verbalizer") ?? UPR_VERBALIZER,
    maxInputLength:
      optInt(options, "maxInputLength", 2) ?? optInt(options, "maxLength", 2) ?? UPR_MAX_INPUT_LENGTH,
    maxQueryLength: optInt(options, "maxQueryLength") ?? UPR_MAX_QUERY_LENGTH,
    batchSize: optInt(options, "batchSize") ?? UPR_BATCH_SIZE,
    tokenBudget: optInt(options, "tokenBudget"),
  };
}

/** The encoder text: `{head} {doc}. {verbalizer}`, as rerankers' UPRRanker writes it. */
export function uprPrompt(doc: string, head = UPR_HEAD, verbalizer = UPR_VERBALIZER): string {
  return `${head} ${doc}. ${verbalizer}`;
}

/** Teacher forcing: the decoder reads `[decoder_start] + labels[:-1]` and must predict `labels`. */
export function shiftRight(labels: readonly number[], decoderStart: number): number[] {
  return [decoderStart, ...labels.slice(0, -1)];
}

/** Σ_t log_softmax(logits[b, t, :])[labels[t]], in float64, for every row of the batch. */
export function sumLabelLogProbs(logits: TensorOutput, labels: readonly number[]): Float64Array {
  const [batch, steps, vocab] = logits.dims;
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let total = 0;
    for (let t = 0; t < steps; t++) {
      const base = (b * steps + t) * vocab;
      let max = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < vocab; v++) if (logits.data[base + v] > max) max = logits.data[base + v];
      let sum = 0;
      for (let v = 0; v < vocab; v++) sum += Math.exp(logits.data[base + v] - max);
      total += logits.data[base + labels[t]] - max - Math.log(sum);
    }
    out[b] = total;
  }
  return out;
}

export interface UprInputs {
  /** Encoder ids per document. */
  inputIds: number[][];
  /** The query's ids with the trailing EOS: what the decoder must predict. */
  labels: number[];
  /** `[decoder_start] + labels[:-1]`. */
  decoderInputIds: number[];
  /** Per document: its prompt or the query was cut to the max length. */
  truncated: boolean[];
}

export function uprInputs(
  tok: Tokenizer,
  settings: UprSettings,
  query: string,
  texts: readonly string[],
  decoderStart: number,
): UprInputs {
  const target = tok.encode(query, settings.maxQueryLength);
  const labels = target.ids;
  if (labels.length === 0) throw new InvalidInputError("the query has no tokens for UPR to score");
  const encodings = texts.map((t) =>
    tok.encode(uprPrompt(t, settings.verbalizerHead, settings.verbalizer), settings.maxInputLength),
  );
  return {
    inputIds: encodings.map((e) => e.ids),
    labels,
    decoderInputIds: shiftRight(labels, decoderStart),
    truncated: encodings.map((e) => e.truncated || target.truncated),
  };
}

export const create: RankerFactory = async (options) => {
  const settings = uprSettings(options);
  const model = await Seq2SeqModel.load(options);
  const tok = model.tokenizer;
  let start: number;
  try {
    start = model.decoderStartTokenId;
  } catch (err) {
    await model.close();
    throw err;
  }

  const method: PointwiseMethod = {
    kind: "pointwise",
    async scoreDocuments(query: string, docs: readonly Document[], ctx: MethodContext) {
      const {
        inputIds: rows,
        labels,
        decoderInputIds,
        truncated,
      } = uprInputs(
        tok,
        settings,
        query,
        docs.map((d) => d.text),
        start,
      );
      const lengths = rows.map((r) => r.length + labels.length);
      const read = (logits: TensorOutput) => sumLabelLogProbs(logits, labels);
      const scores = await model.scoreRows(rows, lengths, decoderInputIds, read, ctx, settings);
      return { scores, flags: truncated.map((t) => (t ? { truncated: true } : undefined)) };
    },
    close: () => model.close(),
  };
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
