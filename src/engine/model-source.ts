import { InvalidInputError } from "../core/errors.js";
import { type HubOptions, type ModelFileSpec, resolveModelDir } from "./hub.js";
import { type Dtype, findOnnxFile, namedOnnxFile, onnxFileName } from "./model-files.js";

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

/** Positive integer option, or undefined. */
export function intOption(options: Record<string, unknown>, key: string): number | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new InvalidInputError(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** Boolean option ("true"/"false" strings accepted, as the CLI passes them). */
export function boolOption(options: Record<string, unknown>, key: string): boolean | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new InvalidInputError(`${key} must be true or false, got ${JSON.stringify(v)}`);
}

/** Where the `base` weights for this dtype may stand, relative to the folder: `onnx/<name>`, then `<name>`. */
export function onnxVariantPaths(base: string, dtype: Dtype): [string, string] {
  const rel = onnxFileName(base, dtype);
  return [rel, rel.slice("onnx/".length)];
}

/** Hub download candidates ("the first of these that exists"): the user's `onnxFile`, else the dtype variant. */
export function onnxFileCandidates(onnxFile: string | undefined, base: string, dtype: Dtype): string[] {
  return onnxFile ? [onnxFile, `onnx/${onnxFile}`] : onnxVariantPaths(base, dtype);
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
