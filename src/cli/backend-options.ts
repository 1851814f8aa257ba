import { InvalidInputError } from "../core/errors.js";
import { positiveIntFlag } from "./flags.js";

/** Flags shared by every command that builds a ranker; each maps to a backend option of the same camelCase name. */
export const BACKEND_FLAGS = [
  ["--base-url <url>", "API base URL (hosted providers, LLM endpoints)"],
  ["--api-key <key>", "API key (prefer the provider's environment variable)"],
  ["--dtype <dtype>", "local ONNX variant: fp32, fp16, q8, int8, uint8, q4"],
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
