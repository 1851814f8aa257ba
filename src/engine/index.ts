/**
 * `rerankers/local`: the building blocks of local inference, for writing your own local method
 * (see CONTRIBUTING.md). Importing this module loads neither onnxruntime-node nor the tokenizer: both are
 * imported on first use.
 */
export type { BatchOptions } from "./batching.js";
export { DEFAULT_TOKEN_BUDGET, planBatches, scoreInBatches } from "./batching.js";
export type { DownloadProgress, HubOptions, ModelFileSpec } from "./hub.js";
export { downloadFile, hubCacheDir, isLocalPath, resolveModelDir } from "./hub.js";
export type { Dtype, ModelFolder } from "./model-files.js";
export {
  DTYPES,
  findOnnxFile,
  listOnnxFiles,
  modelMaxLength,
  namedOnnxFile,
  onnxFileName,
  parseDtype,
  readModelFolder,
} from "./model-files.js";
export type { IoInfo, OnnxSession, SessionOptions, TensorInput, TensorOutput } from "./onnx.js";
export { defaultThreads, int64Matrix, openSession } from "./onnx.js";
export type { Logits, PairClassifierOptions } from "./pair-classifier.js";
export { PairClassifier } from "./pair-classifier.js";
export type { Encoding } from "./tokenizer.js";
export { longestFirst, Tokenizer } from "./tokenizer.js";
