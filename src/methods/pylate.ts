import { InvalidInputError, ModelFilesError } from "../core/errors.js";
import { optBool, optInt } from "../core/options.js";
import type { PointwiseMethod } from "../core/ranker.js";
import { createRanker } from "../core/ranker.js";
import type { FactoryOptions, RankerFactory } from "../core/registry.js";
import type { EmbeddingCache } from "../engine/embedding-cache.js";
import { MaxSimQuery, type TokenMatrix } from "../engine/maxsim.js";
import { parseDtype, readModelFolder } from "../engine/model-files.js";
import {
  hubOptions,
  locateOnnxFile,
  onnxFileCandidates,
  resolveModelSource,
} from "../engine/model-source.js";
import { Tokenizer } from "../engine/tokenizer.js";
import { parseProjectionMode, TokenEncoder } from "./colbert-encoder.js";
import { cacheBytesOption, createEmbeddingCache, scoreDocumentsCached } from "./colbert-scoring.js";
import { loadDenseLayer, type PyLateSettings, readPyLateLayout } from "./pylate-config.js";
import { type PyLateTokens, pylateDocument, pylateQuery } from "./pylate-inputs.js";

/** User options that override the checkpoint's settings (camelCase, as the CLI's --option passes them). */
export function settingsOverrides(options: Record<string, unknown>): Partial<PyLateSettings> {
  const out: Partial<PyLateSettings> = {};
  const str = (k: string) => {
    const v = options[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new InvalidInputError(`${k} must be a string`);
    return v;
  };
  out.queryPrefix = str("queryPrefix");
  out.documentPrefix = str("documentPrefix");
  out.queryLength = optInt(options, "queryLength");
  out.documentLength = optInt(options, "documentLength") ?? optInt(options, "maxLength");
  out.doQueryExpansion = optBool(options, "doQueryExpansion");
  out.attendToExpansionTokens = optBool(options, "attendToExpansionTokens");
  const skip = options.skiplistWords;
  if (skip !== undefined && skip !== null) {
    const list = typeof skip === "string" ? (skip === "" ? [] : skip.split(",")) : skip;
    if (!Array.isArray(list) || !list.every((w) => typeof w === "string"))
      throw new InvalidInputError("skiplistWords must be a list of strings");
    out.skiplistWords = list;
  }
  for (const k of Object.keys(out) as (keyof PyLateSettings)[]) if (out[k] === undefined) delete out[k];
  return out;
}

function prefixId(tokenizer: Tokenizer, prefix: string, what: string, dir: string): number | undefined {
  if (prefix === "") return undefined;
  const id = tokenizer.tokenToId(prefix);
  if (id === undefined) {
    throw new ModelFilesError(
      `the tokenizer in ${dir} has no ${what} prefix token ${JSON.stringify(prefix)} (PyLate adds it to the vocabulary when saving the model)`,
    );
  }
  return id;
}

export interface LoadedPyLate {
  method: PointwiseMethod;
  encoder: TokenEncoder;
  cache: EmbeddingCache<TokenMatrix>;
  settings: PyLateSettings;
}

/**
 * PyLate late interaction (ModernColBERT-style checkpoints): score = sum over the query vectors of the best
 * match among the document's non-skiplist vectors, as PyLate's `rank.rerank` computes it (no division).
 *
 * Options: queryPrefix, documentPrefix, queryLength, documentLength, doQueryExpansion, attendToExpansionTokens,
 * skiplistWords (override config_sentence_transformers.json), cacheBytes, projection, dtype, onnxFile, threads,
 * worker, batchSize, tokenBudget, and the Hub options.
 */
export async function loadPyLate(options: FactoryOptions): Promise<LoadedPyLate> {
  const dtype = parseDtype(options.dtype);
  const projectionMode = parseProjectionMode(options.projection);
  const cacheBytes = cacheBytesOption(options);
  const overrides = settingsOverrides(options);
  const onnxFile = typeof options.onnxFile === "string" ? options.onnxFile : undefined;
  const dir = await resolveModelSource(
    options.model,
    {
      required: ["config.json", "tokenizer.json", onnxFileCandidates(onnxFile, "model", dtype)],
      optional: [
        "modules.json",
        "config_sentence_transformers.json",
        "sentence_bert_config.json",
        "1_Dense/config.json",
        "1_Dense/model.safetensors",
        "2_Dense/config.json",
        "2_Dense/model.safetensors",
        "artifact.metadata",
        "tokenizer_config.json",
        "special_tokens_map.json",
      ],
      exportTask: "feature-extraction",
    },
    hubOptions(options),
  );
  const folder = await readModelFolder(dir);
  const layout = await readPyLateLayout(dir, overrides);
  const settings = layout.settings;
  if (settings.queryLength < 2 || settings.documentLength < 2)
    throw new InvalidInputError("queryLength and documentLength must be at least 2");
  const dense =
    projectionMode === "skip" ? [] : await Promise.all(layout.dense.map((d) => loadDenseLayer(dir, d)));
  const tokenizer = await Tokenizer.fromDir(dir);
  const expansionId = tokenizer.maskTokenId ?? tokenizer.eosTokenId ?? tokenizer.padTokenId;
  if (expansionId === undefined)
    throw new ModelFilesError(`the tokenizer in ${dir} has no [MASK], EOS or PAD token for query expansion`);
  const skiplist = new Set<number>();
  for (const w of settings.skiplistWords) {
    // Python convert_tokens_to_ids maps an unknown token to the unknown-token id.
    const id = tokenizer.tokenToId(w) ?? tokenizer.unkTokenId;
    if (id !== undefined) skiplist.add(id);
  }
  const tokens: PyLateTokens = {
    queryPrefixId: prefixId(tokenizer, settings.queryPrefix, "query", dir),
    documentPrefixId: prefixId(tokenizer, settings.documentPrefix, "document", dir),
    expansionId,
    skiplist,
  };

  const onnxPath = await locateOnnxFile(dir, onnxFile, "model", dtype);
  const encoder = await TokenEncoder.open(
    onnxPath,
    { threads: optInt(options, "threads"), worker: optBool(options, "worker") },
    {
      padId: tokenizer.padTokenId ?? Number(folder.config.pad_token_id ?? expansionId),
      dense,
      mode: projectionMode,
    },
  );
  const cache = createEmbeddingCache(cacheBytes);
  const defaultBatch = optInt(options, "batchSize") ?? 32;
  const tokenBudget = optInt(options, "tokenBudget");

  const method: PointwiseMethod = {
    kind: "pointwise",
    async scoreDocuments(query, docs, ctx) {
      const q = pylateQuery(tokenizer, query, settings, tokens);
      const [qm] = await encoder.encode([{ ids: q.ids, attended: q.attended, keep: (p) => p < q.scored }]);
      const kernel = new MaxSimQuery(qm);
      // A document whose every token is in the skiplist has nothing to match.
      const score = (d: TokenMatrix) => (d.rows === 0 ? 0 : kernel.score(d));
      const prepared = docs.map((d) => pylateDocument(tokenizer, d.text, settings, tokens));
      const items = prepared.map((p, i) => ({ ids: p.ids, keep: p.keep, key: docs[i].text }));
      const scores = await scoreDocumentsCached(encoder, cache, items, score, ctx, {
        tokenBudget,
        maxBatchSize: ctx.batchSize ?? defaultBatch,
      });
      const flags = prepared.map((p) => (p.truncated || q.truncated ? { truncated: true } : undefined));
      return { scores, flags };
    },
    close: () => encoder.close(),
  };
  return { method, encoder, cache, settings };
}

export const create: RankerFactory = async (options) => {
  const { method } = await loadPyLate(options);
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};
