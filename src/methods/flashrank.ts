import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { InvalidInputError, ModelFilesError, NotImplementedError } from "../core/errors.js";
import { optBool, optInt } from "../core/options.js";
import { createRanker } from "../core/ranker.js";
import type { RankerFactory } from "../core/registry.js";
import { downloadFile, hubCacheDir } from "../engine/hub.js";
import { modelMaxLength, parseDtype, readModelFolder } from "../engine/model-files.js";
import { hubOptions } from "../engine/model-source.js";
import { PairClassifier } from "../engine/pair-classifier.js";
import { readZip, writeFolderAtomic } from "../engine/zip.js";
import { pairClassifierMethod } from "./pair-method.js";

/** FlashRank's model names and the ONNX file inside each archive (flashrank Config.py). */
export const FLASHRANK_FILES: Readonly<Record<string, string>> = {
  "ms-marco-TinyBERT-L-2-v2": "flashrank-TinyBERT-L-2-v2.onnx",
  "ms-marco-MiniLM-L-12-v2": "flashrank-MiniLM-L-12-v2_Q.onnx",
  "ms-marco-MultiBERT-L-12": "flashrank-MultiBERT-L12_Q.onnx",
  "rank-T5-flan": "flashrank-rankt5_Q.onnx",
  "ce-esci-MiniLM-L12-v2": "flashrank-ce-esci-MiniLM-L12-v2_Q.onnx",
  miniReranker_arabic_v1: "miniReranker_arabic_v1.onnx",
};
export const FLASHRANK_BASE_URL = "https://huggingface.co/prithivida/flashrank/resolve/main";
/** flashrank.Ranker's default max_length. */
const FLASHRANK_MAX_LENGTH = 512;

function canonicalName(name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(FLASHRANK_FILES).find((k) => k.toLowerCase() === lower);
}

/** The model file: FlashRank's name for this model if present, else the only *.onnx in the folder. */
async function modelFile(
  dir: string,
  name: string | undefined,
  explicit: string | undefined,
): Promise<string> {
  const onnx = (await readdir(dir)).filter((f) => f.endsWith(".onnx")).sort();
  const wanted = explicit ?? (name ? FLASHRANK_FILES[name] : undefined);
  if (wanted && onnx.includes(wanted)) return join(dir, wanted);
  if (!explicit && onnx.length === 1) return join(dir, onnx[0]);
  const present = onnx.length > 0 ? onnx.join(", ") : "none";
  const need = wanted ?? "exactly one .onnx file";
  throw new ModelFilesError(`FlashRank folder ${dir} has no ${need} (.onnx files present: ${present})`, {
    path: dir,
  });
}

/** Unpack a FlashRank archive into the cache (once), checking it holds the model file. */
async function unpack(
  zipPath: string,
  target: string,
  name: string | undefined,
  explicit: string | undefined,
): Promise<string> {
  if (existsSync(target)) return target;
  const files = await readZip(zipPath);
  const wanted = explicit ?? (name ? FLASHRANK_FILES[name] : undefined);
  const onnx = [...files.keys()].filter((f) => f.endsWith(".onnx"));
  if (wanted ? !files.has(wanted) : onnx.length === 0) {
    throw new ModelFilesError(
      `${zipPath} does not contain ${wanted ?? "an .onnx model"} (it has: ${[...files.keys()].join(", ")})`,
      { path: zipPath },
    );
  }
  for (const required of ["tokenizer.json", "config.json"]) {
    if (!files.has(required))
      throw new ModelFilesError(`${zipPath} does not contain ${required}`, { path: zipPath });
  }
  return writeFolderAtomic(target, files);
}

interface Source {
  dir: string;
  name: string | undefined;
}

/** A local folder, a local .zip, or a FlashRank model name (downloaded from `baseUrl`). */
async function resolveSource(
  model: string,
  options: Record<string, unknown>,
  explicit: string | undefined,
): Promise<Source> {
  const hub = hubOptions(options);
  const root = join(hubCacheDir(hub.cacheDir), "rerankers", "flashrank");
  if (existsSync(model)) {
    const name = canonicalName(basename(model).replace(/\.zip$/i, ""));
    if (statSync(model).isDirectory()) return { dir: model, name };
    if (!model.toLowerCase().endsWith(".zip"))
      throw new ModelFilesError(`${model} is neither a folder nor a .zip archive`, { path: model });
    const digest = createHash("sha256")
      .update(await readFile(model))
      .digest("hex")
      .slice(0, 16);
    const folder = `${basename(model).replace(/\.zip$/i, "")}-${digest}`;
    return { dir: await unpack(model, join(root, "local", folder), name, explicit), name };
  }
  const name = canonicalName(model);
  if (!name) {
    const known = Object.keys(FLASHRANK_FILES).join(", ");
    throw new ModelFilesError(`"${model}" is not a local folder, a .zip or a FlashRank model (${known})`, {
      path: model,
    });
  }
  const target = join(root, name);
  if (existsSync(target)) return { dir: target, name };
  const base = String(options.baseUrl ?? process.env.FLASHRANK_BASE_URL ?? FLASHRANK_BASE_URL).replace(
    /\/+$/,
    "",
  );
  const zip = await downloadFile(`${base}/${name}.zip`, hub);
  return { dir: await unpack(zip, target, name, explicit), name };
}

const sigmoid32 = (x: number) => Math.fround(1 / (1 + Math.exp(-x)));

/**
 * FlashRank (`flashrank.Ranker.rerank`): truncation at min(model_max_length, 512), 1-logit heads -> sigmoid,
 * 2-logit heads -> softmax(logits)[1], scores as float32.
 *
 * Options: cacheDir, baseUrl (or env FLASHRANK_BASE_URL), onnxFile, maxLength (FlashRank's max_length, default 512),
 * threads, worker, batchSize, tokenBudget.
 */
export const create: RankerFactory = async (options) => {
  if (typeof options.model !== "string" || options.model.trim() === "")
    throw new InvalidInputError("model must be a non-empty string");
  if (options.dtype !== undefined && parseDtype(options.dtype) !== "fp32") {
    throw new InvalidInputError(
      `FlashRank archives ship one ONNX file (often already quantized); dtype "${options.dtype}" cannot be chosen (use onnxFile to pick a file)`,
    );
  }
  const explicit = typeof options.onnxFile === "string" ? options.onnxFile : undefined;
  const { dir, name } = await resolveSource(options.model, options, explicit);
  const folder = await readModelFolder(dir);
  const onnxPath = await modelFile(dir, name, explicit);
  const maxLength = Math.min(modelMaxLength(folder), optInt(options, "maxLength") ?? FLASHRANK_MAX_LENGTH);
  let classifier: PairClassifier;
  try {
    classifier = await PairClassifier.load(dir, onnxPath, {
      threads: optInt(options, "threads"),
      worker: optBool(options, "worker"),
      maxLength,
    });
  } catch (e) {
    if (e instanceof ModelFilesError && String(folder.config.model_type ?? "").includes("t5")) {
      throw new NotImplementedError(
        "flashrank",
        `${name ?? dir} is a T5 encoder-decoder model, which the FlashRank scorer here does not run; use model type "t5" for monoT5-style models`,
      );
    }
    throw e;
  }
  const method = pairClassifierMethod(classifier, options, (logits, o, labels) =>
    labels === 1 ? sigmoid32(logits[o]) : sigmoid32(logits[o + 1] - logits[o]),
  );
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
