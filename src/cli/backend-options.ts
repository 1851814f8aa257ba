import { InvalidInputError } from "../core/errors.js";
import type { DownloadProgressEvent } from "../core/option-specs.js";
import { familyKind, familyOptionNames } from "../core/registry.js";
import type { RerankerOptions } from "../core/reranker.js";
import { resolveModel } from "../core/resolve.js";
import { DTYPES } from "../engine/model-files.js";
import { positiveIntFlag } from "./flags.js";

/** Flags shared by every command that builds a ranker; each maps to a backend option of the same camelCase name. */
export const BACKEND_FLAGS = [
  ["--base-url <url>", "API base URL (hosted providers, LLM endpoints)"],
  ["--api-key <key>", "API key (prefer the provider's environment variable)"],
  ["--dtype <dtype>", `local ONNX variant: ${DTYPES.join(", ")}`],
  ["--revision <rev>", "Hub revision: branch, tag or commit"],
  ["--cache-dir <dir>", "model cache folder (default: the Hugging Face cache)"],
  ["--threads <n>", "ONNX intra-op threads"],
  ["--max-length <n>", "maximum tokens per input"],
] as const;

export interface BackendFlagValues {
  baseUrl?: string;
  apiKey?: string;
  dtype?: string;
  revision?: string;
  cacheDir?: string;
  threads?: string;
  maxLength?: string;
  offline?: boolean;
  option?: string[];
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Turn parsed flags into the options object given to `Reranker()`. `--option k=v` values are parsed as JSON when they can be. */
export function backendOptions(flags: BackendFlagValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (flags.baseUrl !== undefined) out.baseUrl = flags.baseUrl;
  if (flags.apiKey !== undefined) out.apiKey = flags.apiKey;
  if (flags.dtype !== undefined) out.dtype = flags.dtype;
  if (flags.revision !== undefined) out.revision = flags.revision;
  if (flags.cacheDir !== undefined) out.cacheDir = flags.cacheDir;
  if (flags.offline) out.offline = true;
  if (flags.threads !== undefined) out.threads = positiveIntFlag("threads", flags.threads);
  if (flags.maxLength !== undefined) out.maxLength = positiveIntFlag("max-length", flags.maxLength);
  for (const kv of flags.option ?? []) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new InvalidInputError(`--option expects key=value, got "${kv}"`);
    out[kv.slice(0, eq)] = parseValue(kv.slice(eq + 1));
  }
  return out;
}

/**
 * The options object for `Reranker(name, …)` from a command's flags. The model type is only known at run time
 * here, so the typed library signature does not apply; `Reranker()` checks every option name against the chosen
 * family. Local models report download progress through `onDownloadProgress`.
 */
export function rerankerOptions(
  name: string,
  modelType: string | undefined,
  lang: string | undefined,
  flags: BackendFlagValues,
  onDownloadProgress?: (event: DownloadProgressEvent) => void,
): RerankerOptions {
  const out: Record<string, unknown> = { modelType, lang, ...backendOptions(flags) };
  if (
    onDownloadProgress !== undefined &&
    familyKind(resolveModel(name, { modelType, lang }).modelType) === "local"
  )
    out.onDownloadProgress = onDownloadProgress;
  return out as RerankerOptions;
}

/**
 * Options for several models sharing one set of flags (`serve`, `eval`): each model gets the shared options its
 * family reads. An option no model reads is kept, so that `Reranker()` reports it ("did you mean …").
 */
export function rerankerOptionsForAll(
  names: readonly string[],
  types: readonly (string | undefined)[],
  lang: string | undefined,
  flags: BackendFlagValues,
  onDownloadProgress?: (event: DownloadProgressEvent) => void,
): RerankerOptions[] {
  const all = names.map((name, i) => rerankerOptions(name, types[i], lang, flags, onDownloadProgress));
  if (names.length < 2) return all;
  const known = names.map((name, i) =>
    familyOptionNames(resolveModel(name, { modelType: types[i], lang }).modelType),
  );
  const readBySome = (key: string) => known.some((names) => names === undefined || names.includes(key));
  return all.map((options, i) => {
    const own = known[i];
    if (own === undefined) return options;
    const kept = Object.entries(options).filter(
      ([key]) => key === "modelType" || key === "lang" || own.includes(key) || !readBySome(key),
    );
    return Object.fromEntries(kept) as RerankerOptions;
  });
}
