import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ModelFilesError } from "../core/errors.js";
import { type CpuFeatures, cpuFeatures } from "./cpu-features.js";
import * as info from "./model-info.js";
import { type DtypeChoice, dtypeOfFile, type ModelFolder, onnxFileName } from "./model-info.js";

export type { Dtype, DtypeChoice, ModelFolder } from "./model-info.js";
export {
  DTYPES,
  dtypeOfFile,
  modelMaxLength,
  onnxFileName,
  parseDtype,
  positionLimit,
  variantSuffixes,
} from "./model-info.js";

// biome-ignore lint/suspicious/noExplicitAny: Hugging Face JSON files are free-form
type Json = Record<string, any>;

/** `onnxCandidates` of model-info.ts for this machine's CPU (so q8 picks the int8 build it runs best). */
export function onnxCandidates(
  base: string | readonly string[],
  dtype: DtypeChoice,
  cpu: CpuFeatures = cpuFeatures(),
): string[] {
  return info.onnxCandidates(base, dtype, cpu);
}

/** `pickOnnxFile` of model-info.ts for this machine's CPU. */
export function pickOnnxFile(
  files: readonly string[],
  bases: readonly string[],
  dtype: DtypeChoice,
  cpu: CpuFeatures = cpuFeatures(),
): string | undefined {
  return info.pickOnnxFile(files, bases, dtype, cpu);
}

async function readJson(dir: string, name: string, required: boolean): Promise<Json> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    if (!required && (cause as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ModelFilesError(`model folder ${dir} has no readable ${name}`, { cause, path });
  }
  try {
    const value = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new Error("not a JSON object");
    return value;
  } catch (cause) {
    throw new ModelFilesError(`${path} is not a valid JSON object`, { cause, path });
  }
}

/** Read config.json (required), tokenizer_config.json and special_tokens_map.json (optional). */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ModelFilesError(`model folder ${dir} does not exist`, { path: dir });
  const [config, tokenizerConfig, specialTokensMap] = await Promise.all([
    readJson(dir, "config.json", true),
    readJson(dir, "tokenizer_config.json", false),
    readJson(dir, "special_tokens_map.json", false),
  ]);
  return { dir, config, tokenizerConfig, specialTokensMap };
}

/** Every *.onnx file in `onnx/` and at the root, as paths relative to `dir`. */
export async function listOnnxFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const sub of ["onnx", ""]) {
    const entries = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const e of entries.sort()) if (e.endsWith(".onnx")) found.push(sub ? `${sub}/${e}` : e);
  }
  return found;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

const noticed = new Set<string>();

/** Say once on stderr which variant `auto` picked when there are no fp32 weights. */
function noteAutoPick(dir: string, picked: string): void {
  const key = join(dir, picked);
  if (noticed.has(key)) return;
  noticed.add(key);
  process.stderr.write(
    `rerankers: note: no fp32 ONNX weights in ${dir}; using ${picked} (dtype ${dtypeOfFile(picked)}); pass dtype to choose another variant\n`,
  );
}

/**
 * The ONNX file for this dtype (see `onnxCandidates`; `bases` in order, e.g. a causal LM's `model`,
 * `decoder_model_merged`). ModelFilesError lists the variants present.
 */
export async function findOnnxFile(
  dir: string,
  base: string | readonly string[],
  dtype: DtypeChoice,
): Promise<string> {
  const bases = typeof base === "string" ? [base] : base;
  const present = await listOnnxFiles(dir);
  const picked = pickOnnxFile(present, bases, dtype);
  if (picked !== undefined && (await isFile(join(dir, picked)))) {
    if (dtype === "auto" && dtypeOfFile(picked) !== "fp32") noteAutoPick(dir, picked);
    return join(dir, picked);
  }
  const rel = onnxFileName(bases[0], dtype);
  const variants = present.length > 0 ? `present: ${present.join(", ")}` : "no .onnx files present";
  throw new ModelFilesError(`model folder ${dir} has no ${rel} for dtype ${dtype} (${variants})`, {
    path: join(dir, rel),
  });
}

/** A file named by the user (relative to the folder, or absolute). */
export async function namedOnnxFile(dir: string, file: string): Promise<string> {
  for (const candidate of [join(dir, file), join(dir, "onnx", file), file])
    if (await isFile(candidate)) return candidate;
  const present = await listOnnxFiles(dir);
  throw new ModelFilesError(
    `ONNX file ${file} not found in ${dir} (present: ${present.join(", ") || "none"})`,
    { path: file },
  );
}
