import { InvalidInputError } from "../core/errors.js";
import { optFunction } from "../core/options.js";
import { cpuFeatures } from "./cpu-features.js";
import { type HubOptions, type ModelFileSpec, resolveModelDir } from "./hub.js";
import { type DtypeChoice, findOnnxFile, namedOnnxFile } from "./model-files.js";
import * as info from "./model-info.js";

/** Hub options a factory may receive (camelCase backend options). */
export function hubOptions(options: Record<string, unknown>): HubOptions {
  const pick = (k: string) => (typeof options[k] === "string" ? (options[k] as string) : undefined);
  const timeoutMs = Number(options.timeoutMs);
  return {
    timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined,
    revision: pick("revision"),
    cacheDir: pick("cacheDir"),
    token: pick("token") ?? pick("hfToken"),
    endpoint: pick("endpoint"),
    offline: options.offline === true ? true : undefined,
    onProgress: optFunction<HubOptions["onProgress"]>(options, "onDownloadProgress"),
  };
}

/**
 * A local folder as is, or a Hub id downloaded with `resolveModelDir`. `required` entries that are arrays mean
 * "the first of these that exists".
 */
export async function resolveModelSource(
  model: unknown,
  files: ModelFileSpec,
  options: HubOptions,
): Promise<string> {
  if (typeof model !== "string" || model.trim() === "")
    throw new InvalidInputError("model must be a non-empty string");
  return resolveModelDir(model, files, options);
}

/**
 * Hub download candidates ("the first of these that exists"): the user's `onnxFile`, else the dtype variants of
 * each base in order (e.g. ColBERT's `model`, then answerai's root `vespa_colbert.onnx`), for this machine's CPU.
 */
export function onnxFileCandidates(
  onnxFile: string | undefined,
  base: string | readonly string[],
  dtype: DtypeChoice,
): string[] {
  return info.onnxFileCandidates(onnxFile, base, dtype, cpuFeatures());
}

/** The ONNX file to open: the user's `onnxFile` (`namedOnnxFile`), else the dtype variant (`findOnnxFile`). */
export async function locateOnnxFile(
  dir: string,
  onnxFile: string | undefined,
  base: string | readonly string[],
  dtype: DtypeChoice,
): Promise<string> {
  return onnxFile ? namedOnnxFile(dir, onnxFile) : findOnnxFile(dir, base, dtype);
}
