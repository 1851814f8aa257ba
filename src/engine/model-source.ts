import { InvalidInputError } from "../core/errors.js";
import { type HubOptions, type ModelFileSpec, resolveModelDir } from "./hub.js";
import { type Dtype, findOnnxFile, namedOnnxFile } from "./model-files.js";

export { onnxFileCandidates, onnxVariantPaths } from "./model-info.js";

/** Hub options a factory may receive (camelCase backend options). */
export function hubOptions(options: Record<string, unknown>): HubOptions {
  const pick = (k: string) => (typeof options[k] === "string" ? (options[k] as string) : undefined);
  return {
    revision: pick("revision"),
    cacheDir: pick("cacheDir"),
    token: pick("token") ?? pick("hfToken"),
    endpoint: pick("endpoint"),
    offline: options.offline === true ? true : undefined,
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

/** The ONNX file to open: the user's `onnxFile` (`namedOnnxFile`), else the dtype variant (`findOnnxFile`). */
export async function locateOnnxFile(
  dir: string,
  onnxFile: string | undefined,
  base: string,
  dtype: Dtype,
): Promise<string> {
  return onnxFile ? namedOnnxFile(dir, onnxFile) : findOnnxFile(dir, base, dtype);
}
