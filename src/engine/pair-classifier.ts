import { InvalidInputError, ModelFilesError, ModelOutputError } from "../core/errors.js";
import { type BatchOptions, encoderTokenBudget, scoreInBatches } from "./batching.js";
import { type ModelFolder, modelMaxLength, positionLimit } from "./model-info.js";
import type { EncodedPairs, IoInfo, OnnxSession, SessionOptions, TensorInput } from "./onnx.js";
import { SharedBatcher } from "./shared-batches.js";
import { type Encoding, Tokenizer } from "./tokenizer.js";

/** Inputs a pair classifier export may declare; anything else means this is not one. */
const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids", "position_ids"]);

export interface PairClassifierOptions extends SessionOptions {
  /** Overrides the maximum pair length read from the model files. */
  maxLength?: number;
}

/** Turns one row of logits (at `offset`, `numLabels` wide) into a score. */
export type ScoreRow = (logits: Float32Array, offset: number, numLabels: number) => number;

/** What batching needs of a pair's encoding: an `Encoding`, or a view into a worker's `EncodedPairs`. */
export interface PairTokens {
  ids: ArrayLike<number>;
  typeIds: ArrayLike<number>;
  truncated: boolean;
}

interface PairRow {
  encoding: PairTokens;
  toScore: ScoreRow;
}

function unpack(pairs: EncodedPairs): PairTokens[] {
  return Array.from(pairs.truncated, (t, k) => {
    const from = pairs.offsets[k];
    const to = pairs.offsets[k + 1];
    return {
      ids: pairs.ids.subarray(from, to),
      typeIds: pairs.typeIds.subarray(from, to),
      truncated: t === 1,
    };
  });
}

/** Logits of a batch, row-major [rows, numLabels]. */
export interface Logits {
  data: Float32Array;
  numLabels: number;
}

/**
 * A sequence-classification model over (query, document) pairs: tokenizer + ONNX session + the facts read from
 * the model's files (max length, pad id, input names, label count). Shared by cross-encoder and FlashRank.
 */
export class PairClassifier {
  readonly folder: ModelFolder;
  readonly session: OnnxSession;
  readonly tokenizer: Tokenizer;
  readonly maxLength: number;
  readonly padId: number;
  readonly output: string;
  readonly inputNames: ReadonlySet<string>;
  #shared: SharedBatcher<PairRow> | undefined;

  private constructor(folder: ModelFolder, session: OnnxSession, tokenizer: Tokenizer, maxLength: number) {
    this.folder = folder;
    this.session = session;
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
    this.padId = tokenizer.padTokenId ?? Number(folder.config.pad_token_id ?? 0);
    this.inputNames = new Set(session.inputs.map((i) => i.name));
    this.output = PairClassifier.pickOutput(session.outputs, folder.dir);
  }

  private static pickOutput(outputs: IoInfo[], dir: string): string {
    const out = outputs.find((o) => o.name === "logits") ?? (outputs.length === 1 ? outputs[0] : undefined);
    if (!out) {
      throw new ModelFilesError(
        `${dir}: the ONNX model has no "logits" output (outputs: ${outputs.map((o) => o.name).join(", ")}); not a cross-encoder`,
      );
    }
    if (out.shape.length > 2) {
      throw new ModelFilesError(
        `${dir}: output "${out.name}" has shape [${out.shape.join(", ")}], not [batch, labels]; not a cross-encoder (sequence-classification) model`,
      );
    }
    const labels = out.shape[1];
    if (typeof labels === "number" && labels !== 1 && labels !== 2) {
      throw new ModelFilesError(
        `${dir}: the model has ${labels} labels; a reranker needs a 1- or 2-label relevance head`,
      );
    }
    return out.name;
  }

  static async load(
    dir: string,
    onnxPath: string,
    options: PairClassifierOptions = {},
  ): Promise<PairClassifier> {
    // Node-only modules, imported here so that fromParts (the browser's way in) needs no Node built-in.
    const [{ readModelFolder }, { openSession }] = await Promise.all([
      import("./model-files.js"),
      import("./onnx.js"),
    ]);
    const folder = await readModelFolder(dir);
    const tokenizer = await Tokenizer.fromDir(dir);
    const session = await openSession(onnxPath, {
      threads: options.threads,
      worker: options.worker,
      workers: options.workers,
      dataParallel: true, // scorePairs keeps one batch in flight per session
      fuse: options.fuse,
    });
    return PairClassifier.fromParts(folder, session, tokenizer, onnxPath, options);
  }

  /**
   * A classifier over an open session and already loaded files; `onnxPath` names the weights in errors (a path
   * or a URL). Closes the session when the model is not a pair classifier.
   */
  static async fromParts(
    folder: ModelFolder,
    session: OnnxSession,
    tokenizer: Tokenizer,
    onnxPath: string,
    options: { maxLength?: number } = {},
  ): Promise<PairClassifier> {
    const dir = folder.dir;
    try {
      if (!session.inputs.some((i) => i.name === "input_ids")) {
        throw new ModelFilesError(`${onnxPath} has no input_ids input; not a cross-encoder`, {
          path: onnxPath,
        });
      }
      const unknown = session.inputs.filter((i) => !KNOWN_INPUTS.has(i.name)).map((i) => i.name);
      if (unknown.length > 0) {
        throw new ModelFilesError(
          `${onnxPath} needs inputs ${unknown.join(", ")}; not an encoder cross-encoder`,
          { path: onnxPath },
        );
      }
      const limit = positionLimit(folder);
      if (options.maxLength !== undefined && limit !== undefined && options.maxLength > limit) {
        throw new InvalidInputError(
          `maxLength ${options.maxLength} is more than the ${limit} positions of ${dir}`,
        );
      }
      const maxLength = options.maxLength ?? modelMaxLength(folder);
      return new PairClassifier(folder, session, tokenizer, maxLength);
    } catch (e) {
      await session.close();
      throw e;
    }
  }

  /** Python `tokenizer(query, text, truncation=True)` for every document: query first, longest_first. */
  encodePairs(query: string, texts: readonly string[]): Encoding[] {
    return texts.map((t) => this.tokenizer.encodePair(query, t, this.maxLength));
  }

  /** `encodePairs`, in the session's worker when it has one (the caller's event loop stays free). */
  async #encode(query: string, texts: readonly string[]): Promise<PairTokens[]> {
    if (!this.session.encodePairs) return this.encodePairs(query, texts);
    return unpack(await this.session.encodePairs(this.folder.dir, query, texts, this.maxLength));
  }

  /** Build the feeds for these encodings (right-padded to the longest) and run the model. */
  async logits(encodings: readonly PairTokens[]): Promise<Logits> {
    const rows = encodings.length;
    let width = 1;
    for (const e of encodings) width = Math.max(width, e.ids.length);
    const size = rows * width;
    const ids = new BigInt64Array(size);
    const mask = new BigInt64Array(size);
    const wantTypes = this.inputNames.has("token_type_ids");
    const types = wantTypes ? new BigInt64Array(size) : undefined;
    const pad = BigInt(this.padId);
    for (let r = 0; r < rows; r++) {
      const { ids: tokIds, typeIds } = encodings[r];
      const off = r * width;
      const n = tokIds.length;
      for (let j = 0; j < n; j++) {
        ids[off + j] = BigInt(tokIds[j]);
        mask[off + j] = 1n;
      }
      if (pad !== 0n) ids.fill(pad, off + n, off + width);
      if (types) for (let j = 0; j < n; j++) types[off + j] = BigInt(typeIds[j] ?? 0);
    }
    const dims = [rows, width];
    const feeds: Record<string, TensorInput> = { input_ids: { type: "int64", data: ids, dims } };
    if (this.inputNames.has("attention_mask")) feeds.attention_mask = { type: "int64", data: mask, dims };
    if (types) feeds.token_type_ids = { type: "int64", data: types, dims };
    if (this.inputNames.has("position_ids")) {
      const pos = new BigInt64Array(size);
      for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) pos[r * width + j] = BigInt(j);
      feeds.position_ids = { type: "int64", data: pos, dims };
    }
    const out = (await this.session.run(feeds, [this.output]))[this.output];
    if (!out) throw new ModelOutputError(`the model returned no "${this.output}" output`);
    // Never squeeze the batch axis: [rows] means one label, [rows, k] means k labels.
    const numLabels = out.dims.length === 1 ? 1 : out.dims[1];
    if (out.dims[0] !== rows || out.dims.length > 2 || out.data.length !== rows * numLabels) {
      throw new ModelOutputError(
        `output "${this.output}" has shape [${out.dims.join(", ")}] for a batch of ${rows}`,
      );
    }
    if (numLabels !== 1 && numLabels !== 2) {
      throw new ModelFilesError(
        `${this.folder.dir}: the model has ${numLabels} labels; a reranker needs a 1- or 2-label relevance head`,
      );
    }
    return { data: out.data, numLabels };
  }

  /**
   * Score every document: tokenise, batch by token budget, run, turn each logit row into a score with `toScore`.
   * Returns scores in input order and which pairs were truncated.
   *
   * Without a per-call `maxBatchSize`, pairs go through this model's shared batcher: calls that overlap (a server's
   * concurrent requests) share token-budget batches, and a lone call gets exactly the batches it would get alone.
   */
  async scorePairs(
    query: string,
    texts: readonly string[],
    batch: BatchOptions,
    toScore: ScoreRow,
  ): Promise<{ scores: Float64Array; truncated: boolean[] }> {
    const encodings = await this.#encode(query, texts);
    const lengths = encodings.map((e) => e.ids.length);
    const tokenBudget = batch.tokenBudget ?? encoderTokenBudget(this.session.threads);
    let scores: Float64Array;
    if (batch.maxBatchSize === undefined) {
      this.#shared ??= new SharedBatcher((items) => this.#scoreRows(items), {
        tokenBudget,
        concurrency: this.session.parallelism,
      });
      const items = encodings.map((encoding) => ({ encoding, toScore }));
      scores = await this.#shared.score(items, lengths, { signal: batch.signal, progress: batch.progress });
    } else {
      const options = { concurrency: this.session.parallelism, ...batch, tokenBudget };
      scores = await scoreInBatches(lengths, options, (indices) =>
        this.#scoreRows(indices.map((i) => ({ encoding: encodings[i], toScore }))),
      );
    }
    return { scores, truncated: encodings.map((e) => e.truncated) };
  }

  async #scoreRows(rows: readonly PairRow[]): Promise<Float64Array> {
    const { data, numLabels } = await this.logits(rows.map((r) => r.encoding));
    const out = new Float64Array(rows.length);
    for (let k = 0; k < rows.length; k++) out[k] = rows[k].toScore(data, k * numLabels, numLabels);
    return out;
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
