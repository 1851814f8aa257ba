import { optInt, optString } from "../core/options.js";
import { createRanker, type Ranker } from "../core/ranker.js";
import { GENERIC_CPU, onnxFileCandidates, parseDtype } from "../engine/model-info.js";
import { PairClassifier } from "../engine/pair-classifier.js";
import { Tokenizer } from "../engine/tokenizer.js";
import { crossEncoderHead } from "../methods/cross-encoder-head.js";
import { pairClassifierMethod } from "../methods/pair-method.js";
import { type FetchFilesOptions, fetchFirstBytes, fetchJson } from "./fetch-files.js";
import { type ModelUrlOptions, modelBaseUrl } from "./model-url.js";
import { type OrtWebOptions, openBrowserSession } from "./ort-web.js";

export interface BrowserCrossEncoderOptions extends OrtWebOptions, ModelUrlOptions, FetchFilesOptions {
  /** ONNX weights variant: fp32 (default), fp16, q8, int8, uint8, q4, q4f16, bnb4. */
  dtype?: string;
  /** A specific ONNX file of the folder instead of the dtype variant. */
  onnxFile?: string;
  /** Max pair length (default: from the model's files, as in Node). */
  maxLength?: number;
  /** Max pairs per model run. */
  batchSize?: number;
  /** Max padded tokens per model run. */
  tokenBudget?: number;
  /** Map scores to (0, 1) with a sigmoid (`normalize` is the same). */
  sigmoid?: boolean;
  normalize?: boolean;
}

export interface BrowserRanker extends Ranker {
  /** The folder URL the model was fetched from. */
  readonly baseUrl: string;
  readonly device: "wasm" | "webgpu";
  readonly threads: number;
  /** Whether the graph rewrites applied (see `fuse`). */
  readonly fused: boolean;
}

/**
 * A cross-encoder running in the browser (or any runtime with fetch) on onnxruntime-web: the same tokenizer,
 * pair classifier and score head as the Node `cross-encoder` method, so the same scores. `model` is a folder URL
 * (a Hub `.../resolve/main/` URL or any static folder with config.json, tokenizer.json and onnx/model.onnx) or a
 * Hub repo id.
 */
export async function loadCrossEncoder(
  model: string,
  options: BrowserCrossEncoderOptions = {},
): Promise<BrowserRanker> {
  const bag = options as Record<string, unknown>;
  const dtype = parseDtype(options.dtype);
  const onnxFile = optString(bag, "onnxFile");
  const maxLength = optInt(bag, "maxLength");
  const head = crossEncoderHead(bag);
  const baseUrl = modelBaseUrl(
    model,
    options,
    (globalThis as { location?: { href: string } }).location?.href,
  );

  const [config, tokenizerJson, tokenizerConfig, specialTokensMap, onnx] = await Promise.all([
    fetchJson(baseUrl, "config.json", true, options),
    fetchJson(baseUrl, "tokenizer.json", true, options),
    fetchJson(baseUrl, "tokenizer_config.json", false, options),
    fetchJson(baseUrl, "special_tokens_map.json", false, options),
    fetchFirstBytes(baseUrl, onnxFileCandidates(onnxFile, "model", dtype, GENERIC_CPU), options),
  ]);
  const tokenizer = await Tokenizer.fromFiles(
    { tokenizer: tokenizerJson, tokenizerConfig, specialTokensMap },
    baseUrl,
  );
  const session = await openBrowserSession(onnx.bytes, onnx.url, options);
  const folder = { dir: baseUrl, config, tokenizerConfig, specialTokensMap };
  const classifier = await PairClassifier.fromParts(folder, session, tokenizer, onnx.url, { maxLength });
  const ranker = createRanker(
    { modelType: "cross-encoder", model, provider: null },
    pairClassifierMethod(classifier, bag, head),
  );
  return Object.assign(ranker, {
    baseUrl,
    device: session.device,
    threads: session.threads,
    fused: session.fused,
  });
}
