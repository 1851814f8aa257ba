import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { InvalidInputError, ModelFilesError, NotImplementedError } from "../core/errors.js";
import { optBool, optInt } from "../core/options.js";
import { createRanker } from "../core/ranker.js";
import type { RankerFactory } from "../core/registry.js";
import { downloadFile, hubCacheDir } from "../engine/hub.js";
import { modelMaxLength, parseDtype, readModelFolder } from "../engine/model-files.js";
import { hubOptions } from "../engine/model-source.js";
import { PairClassifier } from "../engine/pair-classifier.js";
import { unpackZip, type ZipLimits } from "../engine/zip.js";
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

/** Zip caps from options (`zipMaxTotalBytes`, `zipMaxEntryBytes`, `zipMaxEntries`, `zipMaxRatio`). */
function zipLimits(options: Record<string, unknown>): Partial<ZipLimits> {
  const limits: Partial<ZipLimits> = {};
  const set = (key: keyof ZipLimits, name: string) => {
    const v = optInt(options, name);
    if (v !== undefined) limits[key] = v;
  };
  set("maxTotalBytes", "zipMaxTotalBytes");
  set("maxEntryBytes", "zipMaxEntryBytes");
  set("maxEntries", "zipMaxEntries");
  set("maxRatio", "zipMaxRatio");
  return limits;
}

/** Unpack a FlashRank archive into the cache (once), checking it holds the model files before writing. */
async function unpack(
  zipPath: string,
  target: string,
  name: string | undefined,
  explicit: string | undefined,
  limits: Partial<ZipLimits>,
): Promise<string> {
  if (existsSync(target)) return target;
  const wanted = explicit ?? (name ? FLASHRANK_FILES[name] : undefined);
  return unpackZip(zipPath, target, {
    limits,
    check: (files) => {
      const onnx = files.filter((f) => f.endsWith(".onnx"));
      if (wanted ? !files.includes(wanted) : onnx.length === 0) {
        const has = files.slice(0, 20).join(", ") + (files.length > 20 ? ", …" : "");
        throw new ModelFilesError(
          `${zipPath} does not contain ${wanted ?? "an .onnx model"} (it has: ${has})`,
          {
            path: zipPath,
          },
        );
      }
      for (const required of ["tokenizer.json", "config.json"]) {
        if (!files.includes(required))
          throw new ModelFilesError(`${zipPath} does not contain ${required}`, { path: zipPath });
      }
    },
  });
}

/**
 * Unpack a downloaded archive. A bad download is deleted from the cache (it would otherwise be reused forever)
 * and the error says so; the next run downloads it again.
 */
async function unpackDownload(
  zipPath: string,
  target: string,
  name: string,
  explicit: string | undefined,
  limits: Partial<ZipLimits>,
): Promise<string> {
  try {
    return await unpack(zipPath, target, name, explicit, limits);
  } catch (e) {
    if (!(e instanceof ModelFilesError)) throw e;
    await rm(zipPath, { force: true });
    throw new ModelFilesError(
      `${e.message}; the downloaded archive was removed from the cache, run again to download it afresh`,
      { cause: e, path: zipPath },
    );
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
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
  const limits = zipLimits(options);
  const root = join(hubCacheDir(hub.cacheDir), "rerankers", "flashrank");
  if (existsSync(model)) {
    const name = canonicalName(basename(model).replace(/\.zip$/i, ""));
    if (statSync(model).isDirectory()) return { dir: model, name };
    if (!model.toLowerCase().endsWith(".zip"))
      throw new ModelFilesError(`${model} is neither a folder nor a .zip archive`, { path: model });
    const digest = (await sha256OfFile(model)).slice(0, 16);
    const folder = `${basename(model).replace(/\.zip$/i, "")}-${digest}`;
    return { dir: await unpack(model, join(root, "local", folder), name, explicit, limits), name };
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
  return { dir: await unpackDownload(zip, target, name, explicit, limits), name };
}

const sigmoid32 = (x: number) => Math.fround(1 / (1 + Math.exp(-x)));

/**
 * FlashRank (`flashrank.Ranker.rerank`): truncation at min(model_max_length, 512), 1-logit heads -> sigmoid,
 * 2-logit heads -> softmax(logits)[1], scores as float32.
 *
 * Options: cacheDir, baseUrl (or env FLASHRANK_BASE_URL), onnxFile, maxLength (FlashRank's max_length, default 512),
 * threads, worker, batchSize, tokenBudget; zipMaxTotalBytes, zipMaxEntryBytes, zipMaxEntries, zipMaxRatio (caps on
 * unpacking an archive, defaults in DEFAULT_ZIP_LIMITS).
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
