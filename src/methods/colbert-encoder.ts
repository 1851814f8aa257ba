import { InvalidInputError, ModelFilesError, ModelOutputError } from "../core/errors.js";
import { normaliseRows, type TokenMatrix } from "../engine/maxsim.js";
import { type OnnxSession, openSession, type SessionOptions, type TensorInput } from "../engine/onnx.js";

/** One linear layer applied to every token vector: `act(W h + b)` (+ `R h` when a residual is present). */
export interface DenseLayer {
  /** Row-major [outFeatures, inFeatures] (PyTorch `nn.Linear.weight`). */
  weight: Float32Array;
  bias?: Float32Array;
  inFeatures: number;
  outFeatures: number;
  activation: "identity" | "tanh";
  /** PyLate `use_residual`: [out, in] projection of the input added to the output (identity when in = out). */
  residual?: Float32Array | "identity";
}

/** One sequence to encode: ids, how many leading positions are attended, and which positions to return. */
export interface EncoderRow {
  ids: readonly number[];
  /** attention_mask = 1 for positions < attended, 0 after (query [MASK] expansion). Default: all. */
  attended?: number;
  /** Positions whose vectors are returned (default: all). */
  keep?: (position: number, id: number) => boolean;
}

/** How `project` is decided: from the ONNX output width (auto), or forced. */
export type ProjectionMode = "auto" | "apply" | "skip";

export function parseProjectionMode(value: unknown): ProjectionMode {
  if (value === undefined || value === null || value === "auto") return "auto";
  if (value === "apply" || value === "skip") return value;
  throw new InvalidInputError(`projection must be "auto", "apply" or "skip", got ${JSON.stringify(value)}`);
}

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids", "position_ids"]);

export function applyDense(layer: DenseLayer, h: Float32Array, rows: number): Float32Array {
  const { inFeatures: n, outFeatures: m, weight, bias, activation, residual } = layer;
  const out = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    const ho = r * n;
    const oo = r * m;
    for (let o = 0; o < m; o++) {
      const wo = o * n;
      let s = bias ? bias[o] : 0;
      for (let k = 0; k < n; k++) s += weight[wo + k] * h[ho + k];
      if (activation === "tanh") s = Math.tanh(s);
      if (residual === "identity") s += h[ho + o];
      else if (residual) {
        let t = 0;
        for (let k = 0; k < n; k++) t += residual[wo + k] * h[ho + k];
        s += t;
      }
      out[oo + o] = s;
    }
  }
  return out;
}

export interface TokenEncoderOptions {
  padId: number;
  dense?: readonly DenseLayer[];
  mode?: ProjectionMode;
  /** The graph's path, for error messages. */
  source: string;
}

/**
 * A token-level encoder: an ONNX graph returning per-token hidden states, then optional dense layers read from
 * safetensors, then per-token L2 normalisation. Whether the dense layers still have to be applied is decided from
 * the graph's output width: equal to the first layer's input -> apply; equal to the last layer's output -> the
 * projection is already inside the graph.
 */
export class TokenEncoder {
  readonly session: OnnxSession;
  readonly output: string;
  readonly padId: number;
  readonly dense: readonly DenseLayer[];
  readonly mode: ProjectionMode;
  readonly inputNames: ReadonlySet<string>;
  /** Encoder calls so far (tests use it to show cached documents skip the encoder). */
  runs = 0;

  /** Open the graph at `path` and wrap it; the session is closed again when the graph is not a token encoder. */
  static async open(
    path: string,
    session: SessionOptions,
    options: Omit<TokenEncoderOptions, "source">,
  ): Promise<TokenEncoder> {
    const opened = await openSession(path, session);
    try {
      return new TokenEncoder(opened, { ...options, source: path });
    } catch (e) {
      await opened.close();
      throw e;
    }
  }

  constructor(session: OnnxSession, options: TokenEncoderOptions) {
    this.session = session;
    this.padId = options.padId;
    this.dense = options.dense ?? [];
    this.mode = options.mode ?? "auto";
    this.inputNames = new Set(session.inputs.map((i) => i.name));
    if (!this.inputNames.has("input_ids"))
      throw new ModelFilesError(`${options.source} has no input_ids input; not a token encoder`);
    const unknown = session.inputs.filter((i) => !KNOWN_INPUTS.has(i.name)).map((i) => i.name);
    if (unknown.length > 0)
      throw new ModelFilesError(
        `${options.source} needs inputs ${unknown.join(", ")}; not an encoder-only model`,
      );
    const names = session.outputs.map((o) => o.name);
    const picked =
      ["last_hidden_state", "token_embeddings"].find((n) => names.includes(n)) ??
      (names.length === 1 ? names[0] : undefined);
    if (!picked)
      throw new ModelFilesError(
        `${options.source} has no last_hidden_state output (outputs: ${names.join(", ")})`,
      );
    this.output = picked;
  }

  /** Whether the dense layers must be applied to an output of this width. */
  projects(width: number): boolean {
    if (this.dense.length === 0 || this.mode === "skip") return false;
    const first = this.dense[0];
    const last = this.dense[this.dense.length - 1];
    if (this.mode === "apply") {
      if (width !== first.inFeatures)
        throw new ModelFilesError(
          `the ONNX output width ${width} does not match the projection input ${first.inFeatures}`,
        );
      return true;
    }
    if (width === first.inFeatures) return true;
    if (width === last.outFeatures) return false;
    throw new ModelFilesError(
      `the ONNX output width ${width} matches neither the projection input ${first.inFeatures} nor its output ${last.outFeatures}`,
    );
  }

  /** Run one batch (right-padded to the longest row) and return each row's kept, projected, normalised vectors. */
  async encode(rows: readonly EncoderRow[]): Promise<TokenMatrix[]> {
    const n = rows.length;
    let width = 1;
    for (const r of rows) width = Math.max(width, r.ids.length);
    const size = n * width;
    const ids = new BigInt64Array(size).fill(BigInt(this.padId));
    const mask = new BigInt64Array(size);
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      const off = r * width;
      const attended = Math.min(row.attended ?? row.ids.length, row.ids.length);
      for (let j = 0; j < row.ids.length; j++) ids[off + j] = BigInt(row.ids[j]);
      mask.fill(1n, off, off + attended);
    }
    const dims = [n, width];
    const feeds: Record<string, TensorInput> = { input_ids: { type: "int64", data: ids, dims } };
    if (this.inputNames.has("attention_mask")) feeds.attention_mask = { type: "int64", data: mask, dims };
    if (this.inputNames.has("token_type_ids"))
      feeds.token_type_ids = { type: "int64", data: new BigInt64Array(size), dims };
    if (this.inputNames.has("position_ids")) {
      const pos = new BigInt64Array(size);
      for (let r = 0; r < n; r++) for (let j = 0; j < width; j++) pos[r * width + j] = BigInt(j);
      feeds.position_ids = { type: "int64", data: pos, dims };
    }
    this.runs++;
    const out = (await this.session.run(feeds, [this.output]))[this.output];
    if (out?.dims.length !== 3 || out.dims[0] !== n || out.dims[1] !== width) {
      throw new ModelOutputError(
        `output "${this.output}" has shape [${out?.dims.join(", ") ?? ""}] for a batch of [${n}, ${width}]`,
      );
    }
    const hidden = out.dims[2];
    const project = this.projects(hidden);
    const result: TokenMatrix[] = [];
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      const positions: number[] = [];
      for (let j = 0; j < row.ids.length; j++) if (!row.keep || row.keep(j, row.ids[j])) positions.push(j);
      let data: Float32Array = new Float32Array(positions.length * hidden);
      positions.forEach((j, k) => {
        data.set(out.data.subarray((r * width + j) * hidden, (r * width + j + 1) * hidden), k * hidden);
      });
      let dim = hidden;
      if (project) {
        for (const layer of this.dense) {
          data = applyDense(layer, data, positions.length);
          dim = layer.outFeatures;
        }
      }
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]))
          throw new ModelOutputError("the encoder returned a non-finite token vector");
      }
      result.push(normaliseRows({ data, rows: positions.length, dim }));
    }
    return result;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
