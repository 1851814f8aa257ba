/**
 * The MaxSim inner kernel as a tiny WebAssembly SIMD module, assembled here from opcodes (no toolchain, no binary
 * blob). `maxsim(q, qRows, d, dRows, dim, out)` writes, for each query row, the max dot product with any document
 * row. It works on 4 query rows x 2 document rows at a time with f32x4 accumulators, so it requires
 * qRows % 4 == 0, dRows % 2 == 0, dim % 4 == 0 and dRows > 0: callers pad (a repeated row does not change a max,
 * zero columns do not change a dot product). Returns undefined where WebAssembly SIMD is unavailable.
 */

/** The parts of WebAssembly.Memory we use (the project's type libraries do not declare WebAssembly). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

export interface WasmMaxSim {
  memory: WasmMemory;
  maxsim(q: number, qRows: number, d: number, dRows: number, dim: number, out: number): void;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

// Opcodes (WebAssembly core + SIMD proposals).
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const END = 0x0b;
const LOOP = 0x03;
const BLOCK_VOID = 0x40;
const BR_IF = 0x0d;
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_LT_U = 0x49;
const F32_ADD = 0x92;
const F32_MAX = 0x97;
const F32_STORE = 0x38;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 0x00, 0x00]; // memarg align 2^0, offset 0
const V128_CONST0 = [SIMD, 0x0c, ...new Array(16).fill(0)];
const F32X4_ADD = [SIMD, ...uleb(228)];
const F32X4_MUL = [SIMD, ...uleb(230)];
const extractLane = (lane: number) => [SIMD, ...uleb(31), lane];
const f32Const = (x: number) => {
  const b = new Uint8Array(new Float32Array([x]).buffer);
  return [0x43, ...b];
};

// Locals: params 0..5, then i32 6..15, f32 16..19, v128 20..30.
const [Q, QROWS, D, DROWS, DIM, OUT] = [0, 1, 2, 3, 4, 5];
const [ROWB, I, J, K, Q0, Q1, Q2, Q3, D0, D1] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const M = [16, 17, 18, 19];
const A = [20, 21, 22, 23, 24, 25, 26, 27]; // a[r*2 + c]: query row r, doc row c
const [X0, X1, Y] = [28, 29, 30];

function body(): number[] {
  const c: number[] = [];
  const get = (l: number) => c.push(GET, l);
  const set = (l: number) => c.push(SET, l);
  const i32 = (n: number) => c.push(I32_CONST, ...uleb(n)); // only small non-negative constants are used
  const hsum = (v: number) => {
    c.push(GET, v, ...extractLane(0), GET, v, ...extractLane(1), F32_ADD, GET, v, ...extractLane(2), F32_ADD);
    c.push(GET, v, ...extractLane(3), F32_ADD);
  };

  // rowBytes = dim * 4; i = 0
  get(DIM);
  i32(4);
  c.push(I32_MUL);
  set(ROWB);
  i32(0);
  set(I);
  c.push(LOOP, BLOCK_VOID); // for each block of 4 query rows
  // q0 = q + i * rowBytes; q1..q3 follow
  get(Q);
  get(I);
  get(ROWB);
  c.push(I32_MUL, I32_ADD, TEE, Q0);
  get(ROWB);
  c.push(I32_ADD, TEE, Q1);
  get(ROWB);
  c.push(I32_ADD, TEE, Q2);
  get(ROWB);
  c.push(I32_ADD);
  set(Q3);
  for (const m of M) {
    c.push(...f32Const(Number.NEGATIVE_INFINITY));
    set(m);
  }
  i32(0);
  set(J);
  c.push(LOOP, BLOCK_VOID); // for each pair of document rows
  get(D);
  get(J);
  get(ROWB);
  c.push(I32_MUL, I32_ADD, TEE, D0);
  get(ROWB);
  c.push(I32_ADD);
  set(D1);
  for (const a of A) {
    c.push(...V128_CONST0);
    set(a);
  }
  i32(0);
  set(K);
  c.push(LOOP, BLOCK_VOID); // over the dimension, 4 floats at a time
  get(D0);
  get(K);
  c.push(I32_ADD, ...V128_LOAD);
  set(X0);
  get(D1);
  get(K);
  c.push(I32_ADD, ...V128_LOAD);
  set(X1);
  [Q0, Q1, Q2, Q3].forEach((qr, r) => {
    get(qr);
    get(K);
    c.push(I32_ADD, ...V128_LOAD);
    set(Y);
    for (const [col, x] of [X0, X1].entries()) {
      const acc = A[r * 2 + col];
      get(acc);
      get(Y);
      get(x);
      c.push(...F32X4_MUL, ...F32X4_ADD);
      set(acc);
    }
  });
  // k += 16; continue while k < rowBytes
  get(K);
  i32(16);
  c.push(I32_ADD, TEE, K);
  get(ROWB);
  c.push(I32_LT_U, BR_IF, 0, END);
  // m_r = max(m_r, hsum(a_r0), hsum(a_r1))
  M.forEach((m, r) => {
    get(m);
    hsum(A[r * 2]);
    c.push(F32_MAX);
    hsum(A[r * 2 + 1]);
    c.push(F32_MAX);
    set(m);
  });
  get(J);
  i32(2);
  c.push(I32_ADD, TEE, J);
  get(DROWS);
  c.push(I32_LT_U, BR_IF, 0, END);
  // out[i + r] = m_r
  M.forEach((m, r) => {
    get(OUT);
    get(I);
    i32(r);
    c.push(I32_ADD);
    i32(4);
    c.push(I32_MUL, I32_ADD);
    get(m);
    c.push(F32_STORE, 0x02, 0x00);
  });
  get(I);
  i32(4);
  c.push(I32_ADD, TEE, I);
  get(QROWS);
  c.push(I32_LT_U, BR_IF, 0, END);
  c.push(END);
  const locals = [3, 10, I32, 4, F32, 11, V128];
  const fn = [...locals, ...c];
  return [...uleb(fn.length), ...fn];
}

function moduleBytes(): Uint8Array {
  const type = [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0];
  const funcs = [1, 0];
  const memory = [1, 0x00, 1]; // one memory, min 1 page, grown from JS
  const exports = [2, ...name("maxsim"), 0x00, 0, ...name("memory"), 0x02, 0];
  const code = [1, ...body()];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, type),
    ...section(3, funcs),
    ...section(5, memory),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

let cached: WasmMaxSim | null | undefined;

/** The compiled kernel (one instance per thread), or undefined when this runtime lacks WebAssembly SIMD. */
export function wasmMaxSim(): WasmMaxSim | undefined {
  if (cached === undefined) {
    try {
      const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
      if (!wasm) throw new Error("no WebAssembly");
      const instance = new wasm.Instance(new wasm.Module(moduleBytes()));
      const ex = instance.exports as unknown as WasmMaxSim;
      cached = { memory: ex.memory, maxsim: ex.maxsim };
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}
