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
import { findTensorFile, readTensor } from "../engine/safetensors.js";
import { Tokenizer } from "../engine/tokenizer.js";
import { type DenseLayer, parseProjectionMode, TokenEncoder } from "./colbert-encoder.js";
import { colbertDocuments, colbertQuery } from "./colbert-inputs.js";
import { cacheBytesOption, createEmbeddingCache, scoreDocumentsCached } from "./colbert-scoring.js";

/** "python": rerankers' exact score (sum over all query positions, [MASK] included, / attended count). */
export type ColbertScoreMode = "python" | "mean-attended";

export function parseScoreMode(value: unknown): ColbertScoreMode {
  if (value === undefined || value === null || value === "python") return "python";
  if (value === "mean-attended") return "mean-attended";
  throw new InvalidInputError(`scoreMode must be "python" or "mean-attended", got ${JSON.stringify(value)}`);
}

function tokenId(tokenizer: Tokenizer, token: string, option: string, dir: string): number {
  const id = tokenizer.tokenToId(token);
  if (id === undefined)
    throw new ModelFilesError(
      `the tokenizer in ${dir} has no token ${JSON.stringify(token)} (option ${option})`,
    );
  return id;
}

/** The bias-free `linear.weight` [dim, hidden] of a colbert-ir checkpoint, when the folder has one. */
async function stanfordProjection(dir: string): Promise<DenseLayer | undefined> {
  const header = await findTensorFile(dir, "linear.weight");
  if (!header) return undefined;
  const t = await readTensor(header, "linear.weight");
  if (t.shape.length !== 2)
    throw new ModelFilesError(
      `linear.weight in ${header.path} has shape [${t.shape.join(", ")}], expected [dim, hidden]`,
    );
  return { weight: t.data, inFeatures: t.shape[1], outFeatures: t.shape[0], activation: "identity" };
}

/**
 * ColBERT late interaction (Python `ColBERTRanker`): query and documents encoded separately, per-token vectors
 * L2-normalised, MaxSim over attended document tokens. Two layouts: an ONNX graph that already outputs the
 * projected vectors, or an encoder-only graph plus `linear.weight` in model.safetensors (colbert-ir layout).
 *
 * Options: queryToken ("[unused0]"), documentToken ("[unused1]"), scoreMode ("python" | "mean-attended"),
 * cacheBytes (document embedding LRU, default 256 MB, 0 disables), projection ("auto" | "apply" | "skip"),
 * docMaxLength (alias maxLength, the CLI's --max-length), dtype, onnxFile, threads, worker, batchSize, tokenBudget, and the Hub options.
 */
/** `model` (onnx/ or root, as colbert-ir ships it), then answerai's root `vespa_colbert.onnx` (projection inside). */
const COLBERT_GRAPHS = ["model", "vespa_colbert"];

export const create: RankerFactory = async (options) => {
  const { method } = await loadColbert(options);
  return createRanker({ modelType: options.modelType, model: options.model, provider: null }, method);
};

export interface LoadedColbert {
  method: PointwiseMethod;
  /** Exposed so that callers (and tests) can see encoder runs and cache use. */
  encoder: TokenEncoder;
  cache: EmbeddingCache<TokenMatrix>;
}

/** Load the model files and build the method (the part of `create` below `createRanker`). */
export async function loadColbert(options: FactoryOptions): Promise<LoadedColbert> {
  const dtype = parseDtype(options.dtype);
  const scoreMode = parseScoreMode(options.scoreMode);
  const projectionMode = parseProjectionMode(options.projection);
  const cacheBytes = cacheBytesOption(options);
  const onnxFile = typeof options.onnxFile === "string" ? options.onnxFile : undefined;
  const dir = await resolveModelSource(
    options.model,
    {
      required: ["config.json", "tokenizer.json", onnxFileCandidates(onnxFile, COLBERT_GRAPHS, dtype)],
      optional: ["tokenizer_config.json", "special_tokens_map.json", "model.safetensors"],
      exportTask: "feature-extraction",
    },
    hubOptions(options),
  );
  const folder = await readModelFolder(dir);
  const tokenizer = await Tokenizer.fromDir(dir);
  const queryToken = typeof options.queryToken === "string" ? options.queryToken : "[unused0]";
  const documentToken = typeof options.documentToken === "string" ? options.documentToken : "[unused1]";
  const queryMarker = tokenId(tokenizer, queryToken, "queryToken", dir);
  const documentMarker = tokenId(tokenizer, documentToken, "documentToken", dir);
  const maskId = tokenizer.maskTokenId;
  if (maskId === undefined)
    throw new ModelFilesError(
      `the tokenizer in ${dir} has no [MASK] token, needed for ColBERT query augmentation`,
    );
  const positions = Number(folder.config.max_position_embeddings);
  const docMaxLength =
    optInt(options, "docMaxLength") ??
    optInt(options, "maxLength") ??
    (Number.isInteger(positions) && positions > 2 ? positions - 2 : 510);
  const projection = projectionMode === "skip" ? undefined : await stanfordProjection(dir);
  if (projectionMode === "apply" && !projection)
    throw new ModelFilesError(`projection "apply" needs linear.weight in ${dir}/model.safetensors`);

  const onnxPath = await locateOnnxFile(dir, onnxFile, COLBERT_GRAPHS, dtype);
  const encoder = await TokenEncoder.open(
    onnxPath,
    { threads: optInt(options, "threads"), worker: optBool(options, "worker") },
    {
      padId: tokenizer.padTokenId ?? Number(folder.config.pad_token_id ?? 0),
      dense: projection ? [projection] : [],
      mode: projectionMode,
    },
  );
  const cache = createEmbeddingCache(cacheBytes);
  const defaultBatch = optInt(options, "batchSize") ?? 32;
  const tokenBudget = optInt(options, "tokenBudget");
  const rules = { docMaxLength };

  const method: PointwiseMethod = {
    kind: "pointwise",
    async scoreDocuments(query, docs, ctx) {
      const q = colbertQuery(tokenizer, query, { ...rules, markerId: queryMarker, maskId });
      const [qm] = await encoder.encode([{ ids: q.ids, attended: q.attended }]);
      const summed = scoreMode === "python" ? qm.rows : q.attended;
      const kernel = new MaxSimQuery(qm, summed);
      const score = (d: TokenMatrix) => kernel.score(d) / q.attended;

      const prepared = colbertDocuments(
        tokenizer,
        docs.map((d) => d.text),
        { ...rules, markerId: documentMarker },
      );
      // The ids depend on the text and on where the call's rule cut it: the length identifies the cut.
      const items = prepared.ids.map((ids, i) => ({ ids, key: `${ids.length}\u0000${docs[i].text}` }));
      const scores = await scoreDocumentsCached(encoder, cache, items, score, ctx, {
        tokenBudget,
        maxBatchSize: ctx.batchSize ?? defaultBatch,
      });
      const flags = prepared.truncated.map((t) => (t || q.truncated ? { truncated: true } : undefined));
      return { scores, flags };
    },
    close: () => encoder.close(),
  };
  return { method, encoder, cache };
}
