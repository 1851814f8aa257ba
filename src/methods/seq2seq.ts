import { ModelFilesError, ModelOutputError, throwIfAborted } from "../core/errors.js";
import { optBool, optInt } from "../core/options.js";
import type { MethodContext } from "../core/ranker.js";
import type { FactoryOptions } from "../core/registry.js";
import { scoreInBatches } from "../engine/batching.js";
import { resolveModelDir } from "../engine/hub.js";
import {
  type DtypeChoice,
  findOnnxFile,
  type ModelFolder,
  onnxCandidates,
  onnxFileName,
  parseDtype,
  readModelFolder,
} from "../engine/model-files.js";
import { hubOptions } from "../engine/model-source.js";
import {
  type IoInfo,
  int64Matrix,
  type OnnxSession,
  openSession,
  type TensorInput,
  type TensorOutput,
} from "../engine/onnx.js";
import { Tokenizer } from "../engine/tokenizer.js";

/**
 * Shared running of ONNX encoder-decoder models (T5 and friends) as Optimum / Xenova export them:
 * `onnx/encoder_model.onnx` plus either `onnx/decoder_model.onnx` (no past) or `onnx/decoder_model_merged.onnx`
 * (an `If` on `use_cache_branch`; we always take the no-cache branch and feed empty `past_key_values.*`).
 */

const DECODER_BASES = ["decoder_model", "decoder_model_merged"] as const;

// ---------------------------------------------------------------------------------------------------------------
// Feeds, built from the sessions' own input metadata.

/** The decoder's geometry for empty past tensors: read from the input shapes, else from config.json. */
export interface PastGeometry {
  numHeads: number | undefined;
  headDim: number | undefined;
}

export function pastGeometry(config: Record<string, unknown>): PastGeometry {
  const num = (k: string) => (typeof config[k] === "number" ? (config[k] as number) : undefined);
  const numHeads = num("num_decoder_heads") ?? num("num_heads") ?? num("decoder_attention_heads");
  const dModel = num("d_model");
  const headDim = num("d_kv") ?? (dModel !== undefined && numHeads ? dModel / numHeads : undefined);
  return { numHeads, headDim };
}

/** Shape [batch, heads, 0, headDim] for an empty `past_key_values.*` input. */
export function emptyPastDims(info: IoInfo, batch: number, geometry: PastGeometry): number[] {
  if (info.shape.length !== 4) {
    throw new ModelFilesError(
      `decoder input ${info.name} has rank ${info.shape.length}, expected [batch, heads, length, head_dim]`,
    );
  }
  const fixed = (i: number) =>
    typeof info.shape[i] === "number" && (info.shape[i] as number) >= 0
      ? (info.shape[i] as number)
      : undefined;
  const heads = fixed(1) ?? geometry.numHeads;
  const dim = fixed(3) ?? geometry.headDim;
  if (heads === undefined || dim === undefined) {
    throw new ModelFilesError(`cannot size decoder input ${info.name}: config.json has no num_heads / d_kv`);
  }
  return [batch, heads, 0, dim];
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE half-precision bits of a number, rounded to nearest even (for float16 decoder inputs). */
export function toHalfBits(value: number): number {
  F32[0] = value;
  const x = U32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let h: number;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    shift = 14 - e;
    h = mant >>> shift;
  } else {
    h = (e << 10) | (mant >>> 13);
  }
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && h & 1)) h++;
  return sign | h;
}

/** Empty or filled float tensor in the element type the session declares (float32 or float16). */
function floatTensor(info: IoInfo, data: Float32Array, dims: number[]): TensorInput {
  if (info.type === "float32") return { type: "float32", data, dims };
  if (info.type === "float16") return { type: "float16", data: Uint16Array.from(data, toHalfBits), dims };
  throw new ModelFilesError(`decoder input ${info.name} is ${info.type}; expected float32 or float16`);
}

export interface DecoderFeedValues {
  decoderIds: TensorInput;
  encoderHidden: { data: Float32Array; dims: number[] };
  encoderMask: TensorInput;
  batch: number;
}

/** One tensor per decoder input, by name; an input we do not understand is a model-files error, not a guess. */
export function decoderFeeds(
  inputs: readonly IoInfo[],
  values: DecoderFeedValues,
  geometry: PastGeometry,
): Record<string, TensorInput> {
  const feeds: Record<string, TensorInput> = {};
  for (const info of inputs) {
    const name = info.name;
    if (name === "input_ids" || name === "decoder_input_ids") feeds[name] = values.decoderIds;
    else if (name === "encoder_hidden_states")
      feeds[name] = floatTensor(info, values.encoderHidden.data, values.encoderHidden.dims);
    else if (name === "encoder_attention_mask" || name === "attention_mask") feeds[name] = values.encoderMask;
    else if (name === "decoder_attention_mask") {
      const [rows, cols] = values.decoderIds.dims;
      feeds[name] = { type: "int64", data: new BigInt64Array(rows * cols).fill(1n), dims: [rows, cols] };
    } else if (name === "use_cache_branch")
      feeds[name] = { type: "bool", data: new Uint8Array([0]), dims: [1] };
    else if (name.startsWith("past_key_values.")) {
      feeds[name] = floatTensor(info, new Float32Array(0), emptyPastDims(info, values.batch, geometry));
    } else {
      throw new ModelFilesError(`decoder input "${name}" is not one a T5-style decoder takes`);
    }
  }
  for (const need of [["input_ids", "decoder_input_ids"], ["encoder_hidden_states"]]) {
    if (!need.some((n) => n in feeds))
      throw new ModelFilesError(`the decoder has no ${need.join(" / ")} input`);
  }
  return feeds;
}

export function encoderFeeds(
  inputs: readonly IoInfo[],
  ids: TensorInput,
  mask: TensorInput,
): Record<string, TensorInput> {
  const feeds: Record<string, TensorInput> = {};
  for (const info of inputs) {
    if (info.name === "input_ids") feeds.input_ids = ids;
    else if (info.name === "attention_mask") feeds.attention_mask = mask;
    else throw new ModelFilesError(`encoder input "${info.name}" is not one a T5-style encoder takes`);
  }
  if (!("input_ids" in feeds)) throw new ModelFilesError("the encoder has no input_ids input");
  return feeds;
}

function outputName(session: OnnxSession, preferred: string, what: string): string {
  if (session.outputs.some((o) => o.name === preferred)) return preferred;
  const first = session.outputs[0]?.name;
  if (first === undefined) throw new ModelFilesError(`the ${what} has no outputs`);
  return first;
}

// ---------------------------------------------------------------------------------------------------------------
// Files and the model.

export interface Seq2SeqFiles {
  encoder: string;
  decoder: string;
  /** `decoder_model_merged`: needs `use_cache_branch` and empty past inputs. */
  merged: boolean;
}

/** Hub download list: the encoder, the first decoder variant present, and the tokenizer/config files. */
export function seq2seqHubFiles(dtype: DtypeChoice): {
  required: (string | string[])[];
  optional: string[];
  exportTask: string;
} {
  return {
    required: [
      "config.json",
      "tokenizer.json",
      onnxCandidates("encoder_model", dtype),
      onnxCandidates(DECODER_BASES, dtype),
    ],
    optional: ["tokenizer_config.json", "special_tokens_map.json", "generation_config.json"],
    exportTask: "text2text-generation",
  };
}

export async function findSeq2SeqFiles(dir: string, dtype: DtypeChoice): Promise<Seq2SeqFiles> {
  const encoder = await findOnnxFile(dir, "encoder_model", dtype);
  try {
    const decoder = await findOnnxFile(dir, DECODER_BASES, dtype);
    return { encoder, decoder, merged: /(^|[\\/])decoder_model_merged[^\\/]*$/.test(decoder) };
  } catch (err) {
    if (!(err instanceof ModelFilesError)) throw err;
  }
  const names = DECODER_BASES.map((b) => onnxFileName(b, dtype)).join(" or ");
  throw new ModelFilesError(`no decoder in ${dir}: expected ${names}`, { path: dir });
}

/** Encoder output for one batch. Feed it to `decode` once: worker sessions take ownership of fed buffers. */
export interface EncoderState {
  hidden: TensorOutput;
  mask: TensorInput;
  batch: number;
}

export class Seq2SeqModel {
  private constructor(
    readonly dir: string,
    readonly folder: ModelFolder,
    readonly tokenizer: Tokenizer,
    readonly files: Seq2SeqFiles,
    private readonly encoder: OnnxSession,
    private readonly decoder: OnnxSession,
  ) {}

  /** Resolve (local folder or Hub id), read config + tokenizer, open both sessions. */
  static async load(options: FactoryOptions): Promise<Seq2SeqModel> {
    const dtype = parseDtype(options.dtype);
    const dir = await resolveModelDir(options.model, seq2seqHubFiles(dtype), hubOptions(options));
    const folder = await readModelFolder(dir);
    const files = await findSeq2SeqFiles(dir, dtype);
    const tokenizer = await Tokenizer.fromDir(dir);
    const sessionOptions = {
      threads: optInt(options, "threads"),
      worker: optBool(options, "worker"),
    };
    const encoder = await openSession(files.encoder, sessionOptions);
    let decoder: OnnxSession;
    try {
      decoder = await openSession(files.decoder, sessionOptions);
    } catch (err) {
      await encoder.close();
      throw err;
    }
    return new Seq2SeqModel(dir, folder, tokenizer, files, encoder, decoder);
  }

  /** `config.decoder_start_token_id` (T5: the pad token). */
  get decoderStartTokenId(): number {
    const id = this.folder.config.decoder_start_token_id;
    if (typeof id !== "number")
      throw new ModelFilesError(`config.json in ${this.dir} has no decoder_start_token_id`, {
        path: this.dir,
      });
    return id;
  }

  get padTokenId(): number {
    const id = this.tokenizer.padTokenId ?? this.folder.config.pad_token_id;
    return typeof id === "number" ? id : 0;
  }

  get decoderInputs(): readonly IoInfo[] {
    return this.decoder.inputs;
  }

  /** Run the encoder on right-padded rows. */
  async encode(rows: readonly number[][]): Promise<EncoderState> {
    const width = Math.max(...rows.map((r) => r.length));
    const ids = int64Matrix(rows, this.padTokenId, width);
    const mask = int64Matrix(
      rows.map((r) => r.map(() => 1)),
      0,
      width,
    );
    const name = outputName(this.encoder, "last_hidden_state", "encoder");
    // Worker sessions take ownership of fed buffers, so the decoder gets its own copy of the mask.
    const decoderMask: TensorInput = {
      type: "int64",
      data: (mask.data as BigInt64Array).slice(),
      dims: [...mask.dims],
    };
    const out = await this.encoder.run(encoderFeeds(this.encoder.inputs, ids, mask), [name]);
    const hidden = out[name];
    if (hidden?.dims.length !== 3 || hidden.dims[0] !== rows.length) {
      throw new ModelOutputError(`encoder output ${name} has shape [${hidden?.dims.join(", ")}]`);
    }
    return {
      hidden,
      mask: decoderMask,
      batch: rows.length,
    };
  }

  /** Decoder logits [batch, decoderLength, vocab] for the given decoder input rows (all of the same length). */
  async decode(state: EncoderState, decoderRows: readonly number[][]): Promise<TensorOutput> {
    const decoderIds = int64Matrix(decoderRows, this.padTokenId);
    const feeds = decoderFeeds(
      this.decoder.inputs,
      { decoderIds, encoderHidden: state.hidden, encoderMask: state.mask, batch: state.batch },
      pastGeometry(this.folder.config),
    );
    const name = outputName(this.decoder, "logits", "decoder");
    const out = await this.decoder.run(feeds, [name]);
    const logits = out[name];
    const len = decoderRows[0]?.length ?? 0;
    if (logits?.dims.length !== 3 || logits.dims[0] !== state.batch || logits.dims[1] !== len) {
      throw new ModelOutputError(`decoder output ${name} has shape [${logits?.dims.join(", ")}]`);
    }
    return logits;
  }

  /**
   * Score encoder rows in token-budget batches (`lengths` counts each row's tokens for the budget): every batch is
   * encoded, decoded from the same `decoderIds` for each row, and `read` turns the decoder logits into one score a
   * row. Scores in input order.
   */
  scoreRows(
    rows: readonly number[][],
    lengths: readonly number[],
    decoderIds: readonly number[],
    read: (logits: TensorOutput) => ArrayLike<number>,
    ctx: Pick<MethodContext, "batchSize" | "signal" | "progress">,
    options: { batchSize: number; tokenBudget: number | undefined },
  ): Promise<Float64Array> {
    return scoreInBatches(
      lengths,
      {
        tokenBudget: options.tokenBudget,
        maxBatchSize: ctx.batchSize ?? options.batchSize,
        signal: ctx.signal,
        progress: ctx.progress,
      },
      async (indices) => {
        throwIfAborted(ctx.signal);
        const state = await this.encode(indices.map((i) => rows[i]));
        const logits = await this.decode(
          state,
          indices.map(() => [...decoderIds]),
        );
        return read(logits);
      },
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.encoder.close(), this.decoder.close()]);
  }
}
