import { type WasmMaxSim, wasmMaxSim } from "./maxsim-wasm.js";

/** Token vectors of one text, row-major: `rows` vectors of `dim` floats. */
export interface TokenMatrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

/**
 * For each of the first `qRows` query vectors, the largest dot product with any document vector, written to
 * `out[i]`. `-Infinity` when the document has no vectors. Blocked 4 query rows x 2 doc rows so each loaded
 * value feeds several multiply-adds.
 */
export function maxSimRows(
  q: TokenMatrix,
  d: TokenMatrix,
  out: Float64Array | Float32Array,
  qRows = q.rows,
): void {
  const dim = q.dim;
  if (d.dim !== dim) throw new RangeError(`query dim ${dim} != document dim ${d.dim}`);
  if (qRows > q.rows) throw new RangeError(`qRows ${qRows} > query rows ${q.rows}`);
  const qa = q.data;
  const da = d.data;
  const nd = d.rows;
  let i = 0;
  for (; i + 4 <= qRows; i += 4) {
    const q0 = i * dim;
    const q1 = q0 + dim;
    const q2 = q1 + dim;
    const q3 = q2 + dim;
    let m0 = Number.NEGATIVE_INFINITY;
    let m1 = m0;
    let m2 = m0;
    let m3 = m0;
    let j = 0;
    for (; j + 2 <= nd; j += 2) {
      const d0 = j * dim;
      const d1 = d0 + dim;
      let a00 = 0;
      let a01 = 0;
      let a10 = 0;
      let a11 = 0;
      let a20 = 0;
      let a21 = 0;
      let a30 = 0;
      let a31 = 0;
      for (let k = 0; k < dim; k++) {
        const x0 = da[d0 + k];
        const x1 = da[d1 + k];
        const y0 = qa[q0 + k];
        const y1 = qa[q1 + k];
        const y2 = qa[q2 + k];
        const y3 = qa[q3 + k];
        a00 += y0 * x0;
        a01 += y0 * x1;
        a10 += y1 * x0;
        a11 += y1 * x1;
        a20 += y2 * x0;
        a21 += y2 * x1;
        a30 += y3 * x0;
        a31 += y3 * x1;
      }
      if (a00 > m0) m0 = a00;
      if (a01 > m0) m0 = a01;
      if (a10 > m1) m1 = a10;
      if (a11 > m1) m1 = a11;
      if (a20 > m2) m2 = a20;
      if (a21 > m2) m2 = a21;
      if (a30 > m3) m3 = a30;
      if (a31 > m3) m3 = a31;
    }
    if (j < nd) {
      const d0 = j * dim;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let k = 0; k < dim; k++) {
        const x0 = da[d0 + k];
        a0 += qa[q0 + k] * x0;
        a1 += qa[q1 + k] * x0;
        a2 += qa[q2 + k] * x0;
        a3 += qa[q3 + k] * x0;
      }
      if (a0 > m0) m0 = a0;
      if (a1 > m1) m1 = a1;
      if (a2 > m2) m2 = a2;
      if (a3 > m3) m3 = a3;
    }
    out[i] = m0;
    out[i + 1] = m1;
    out[i + 2] = m2;
    out[i + 3] = m3;
  }
  for (; i < qRows; i++) {
    const q0 = i * dim;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < nd; j++) {
      const d0 = j * dim;
      let a = 0;
      for (let k = 0; k < dim; k++) a += qa[q0 + k] * da[d0 + k];
      if (a > m) m = a;
    }
    out[i] = m;
  }
}

/** Sum over the first `qRows` query vectors of their best match in the document (ColBERT late interaction). */
export function maxSim(q: TokenMatrix, d: TokenMatrix, qRows = q.rows, scratch?: Float64Array): number {
  const maxima = scratch && scratch.length >= qRows ? scratch : new Float64Array(qRows);
  maxSimRows(q, d, maxima, qRows);
  let s = 0;
  for (let i = 0; i < qRows; i++) s += maxima[i];
  return s;
}

/** L2-normalise every row in place (`e / ‖e‖`; a zero row stays zero). */
export function normaliseRows(m: TokenMatrix): TokenMatrix {
  const { data, rows, dim } = m;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let ss = 0;
    for (let k = 0; k < dim; k++) ss += data[o + k] * data[o + k];
    if (ss === 0) continue;
    const inv = 1 / Math.sqrt(ss);
    for (let k = 0; k < dim; k++) data[o + k] *= inv;
  }
  return m;
}

export type MaxSimBackend = "wasm-simd" | "js";

/** Which kernel `MaxSimQuery` uses by default here: WebAssembly SIMD when the runtime has it. */
export function maxSimBackend(): MaxSimBackend {
  return wasmMaxSim() ? "wasm-simd" : "js";
}

/** The query last copied into the shared WebAssembly memory (one kernel instance per thread). */
let loadedQuery: MaxSimQuery | undefined;

/**
 * One query's vectors, ready to be scored against many documents. With WebAssembly SIMD the query is copied once
 * (rows padded to a multiple of 4, dims to a multiple of 4) and each document is copied in before the kernel runs;
 * otherwise the blocked JavaScript kernel is used. Sums are accumulated in float32 by the SIMD kernel (the
 * difference from float64 is ~1e-6 for unit vectors) and in float64 by the JavaScript one.
 */
export class MaxSimQuery {
  readonly query: TokenMatrix;
  /** Query rows that count (the first `rows`). */
  readonly rows: number;
  readonly backend: MaxSimBackend;
  readonly #maxima: Float64Array;
  readonly #dim4: number;
  readonly #rows4: number;

  constructor(query: TokenMatrix, rows = query.rows, options: { backend?: MaxSimBackend } = {}) {
    if (rows > query.rows) throw new RangeError(`rows ${rows} > query rows ${query.rows}`);
    this.query = query;
    this.rows = rows;
    this.backend = options.backend ?? maxSimBackend();
    if (this.backend === "wasm-simd" && !wasmMaxSim())
      throw new RangeError("WebAssembly SIMD is not available");
    this.#maxima = new Float64Array(Math.max(rows, 1));
    this.#dim4 = Math.ceil(query.dim / 4) * 4;
    this.#rows4 = Math.ceil(rows / 4) * 4;
  }

  /** For each counted query row, the best dot product with a document row (`-Infinity` for an empty document). */
  maxima(doc: TokenMatrix): Float64Array {
    const out = this.#maxima;
    if (doc.dim !== this.query.dim)
      throw new RangeError(`query dim ${this.query.dim} != document dim ${doc.dim}`);
    if (this.backend === "js" || this.rows === 0 || doc.rows === 0) {
      maxSimRows(this.query, doc, out, this.rows);
      return out;
    }
    const k = wasmMaxSim() as WasmMaxSim;
    const dim = this.query.dim;
    const dim4 = this.#dim4;
    const dRows2 = doc.rows + (doc.rows % 2);
    const qBytes = this.#rows4 * dim4 * 4;
    const dOff = qBytes;
    const oOff = dOff + dRows2 * dim4 * 4;
    const need = oOff + this.#rows4 * 4;
    if (k.memory.buffer.byteLength < need) {
      k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
      loadedQuery = undefined;
    }
    const f = new Float32Array(k.memory.buffer);
    if (loadedQuery !== this) {
      copyPadded(f, 0, this.query, this.rows, this.#rows4, dim4);
      loadedQuery = this;
    }
    if (dim4 === dim) {
      f.set(doc.data.subarray(0, doc.rows * dim), dOff / 4);
      if (dRows2 !== doc.rows)
        f.set(doc.data.subarray((doc.rows - 1) * dim, doc.rows * dim), dOff / 4 + doc.rows * dim);
    } else {
      copyPadded(f, dOff / 4, doc, doc.rows, dRows2, dim4);
    }
    k.maxsim(0, this.#rows4, dOff, dRows2, dim4, oOff);
    const o = oOff / 4;
    for (let i = 0; i < this.rows; i++) out[i] = f[o + i];
    return out;
  }

  /** Sum over the counted query rows of their best match in the document. */
  score(doc: TokenMatrix): number {
    const m = this.maxima(doc);
    let s = 0;
    for (let i = 0; i < this.rows; i++) s += m[i];
    return s;
  }
}

/** Copy `rows` rows into `rowsOut` rows of width `dimOut` at `offset` (floats): zero columns, last row repeated. */
function copyPadded(
  f: Float32Array,
  offset: number,
  m: TokenMatrix,
  rows: number,
  rowsOut: number,
  dimOut: number,
): void {
  const dim = m.dim;
  for (let r = 0; r < rowsOut; r++) {
    const src = Math.min(r, rows - 1) * dim;
    const dst = offset + r * dimOut;
    f.set(m.data.subarray(src, src + dim), dst);
    if (dimOut > dim) f.fill(0, dst + dim, dst + dimOut);
  }
}
