import { optBool, optInt } from "../core/options.js";
import { createRanker } from "../core/ranker.js";
import type { RankerFactory } from "../core/registry.js";
import { parseDtype } from "../engine/model-files.js";
import {
  hubOptions,
  locateOnnxFile,
  onnxFileCandidates,
  resolveModelSource,
} from "../engine/model-source.js";
import { PairClassifier } from "../engine/pair-classifier.js";
import { crossEncoderHead } from "./cross-encoder-head.js";
import { pairClassifierMethod } from "./pair-method.js";

/**
 * Cross-encoder (Python `TransformerRanker`): a sequence-classification model over (query, document) pairs.
 * One-logit head -> the raw logit; two-logit head -> logit[1] - logit[0]. `sigmoid: true` maps either to (0, 1).
 *
 * Options: dtype (fp32 | fp16 | q8 | int8 | uint8 | q4 | q4f16 | bnb4), onnxFile, threads, worker, workers, batchSize
 * (max pairs per run), tokenBudget (padded tokens per run), maxLength, sigmoid / normalize, and the Hub options
 * revision, cacheDir, offline, token.
 */
export const create: RankerFactory = async (options) => {
  const dtype = parseDtype(options.dtype);
  const onnxFile = typeof options.onnxFile === "string" ? options.onnxFile : undefined;
  const dir = await resolveModelSource(
    options.model,
    {
      required: ["config.json", "tokenizer.json", onnxFileCandidates(onnxFile, "model", dtype)],
      optional: ["tokenizer_config.json", "special_tokens_map.json"],
      exportTask: "text-classification",
    },
    hubOptions(options),
  );
  const onnxPath = await locateOnnxFile(dir, onnxFile, "model", dtype);
  const classifier = await PairClassifier.load(dir, onnxPath, {
    threads: optInt(options, "threads"),
    worker: optBool(options, "worker"),
    workers: optInt(options, "workers"),
    maxLength: optInt(options, "maxLength"),
  });
  const method = pairClassifierMethod(classifier, options, crossEncoderHead(options));
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
