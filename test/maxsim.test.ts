import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  MaxSimQuery,
  maxSim,
  maxSimBackend,
  maxSimRows,
  normaliseRows,
  type TokenMatrix,
} from "../src/engine/maxsim.js";

/** The definition, written as plainly as possible: for each query row, the max dot product over doc rows. */
function naiveMaxima(q: TokenMatrix, d: TokenMatrix, qRows: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < qRows; i++) {
    let best = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < d.rows; j++) {
      let s = 0;
      for (let k = 0; k < q.dim; k++) s += q.data[i * q.dim + k] * d.data[j * d.dim + k];
      best = Math.max(best, s);
    }
    out.push(best);
  }
  return out;
}

function matrix(rows: number, dim: number, rand: () => number): TokenMatrix {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return { data, rows, dim };
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe("MaxSim kernel", () => {
  it("equals the naive loop for every block remainder (query rows mod 4, doc rows mod 2)", () => {
    const rand = seeded(7);
    for (const lq of [1, 2, 3, 4, 5, 7, 8, 13, 32]) {
      for (const ld of [1, 2, 3, 4, 9, 180]) {
        for (const dim of [1, 3, 20, 128]) {
          const q = matrix(lq, dim, rand);
          const d = matrix(ld, dim, rand);
          const out = new Float64Array(lq);
          maxSimRows(q, d, out);
          const want = naiveMaxima(q, d, lq);
          for (let i = 0; i < lq; i++)
            assert.ok(Math.abs(out[i] - want[i]) < 1e-9, `lq=${lq} ld=${ld} dim=${dim} row ${i}`);
        }
      }
    }
  });

  it("sums only the first qRows query rows when asked (attended-only scoring)", () => {
    const rand = seeded(11);
    const q = matrix(16, 24, rand);
    const d = matrix(30, 24, rand);
    const want = naiveMaxima(q, d, 16);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(maxSim(q, d) - sum(want)) < 1e-9);
    assert.ok(Math.abs(maxSim(q, d, 13) - sum(want.slice(0, 13))) < 1e-9);
    assert.ok(Math.abs(maxSim(q, d, 13, new Float64Array(16)) - sum(want.slice(0, 13))) < 1e-9);
  });

  it("property: random shapes and values match the naive loop", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        (lq, ld, dim, seed) => {
          const rand = seeded(seed);
          const q = matrix(lq, dim, rand);
          const d = matrix(ld, dim, rand);
          const out = new Float64Array(lq);
          maxSimRows(q, d, out);
          naiveMaxima(q, d, lq).forEach((w, i) => {
            assert.ok(Math.abs(out[i] - w) < 1e-9);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("an empty document gives -Infinity; mismatched dims throw", () => {
    const q = matrix(5, 4, seeded(1));
    const out = new Float64Array(5);
    maxSimRows(q, { data: new Float32Array(0), rows: 0, dim: 4 }, out);
    assert.ok(out.every((x) => x === Number.NEGATIVE_INFINITY));
    assert.throws(() => maxSimRows(q, matrix(2, 3, seeded(2)), out), RangeError);
    assert.throws(() => maxSimRows(q, matrix(2, 4, seeded(2)), out, 6), RangeError);
  });

  it("normaliseRows makes every non-zero row unit length and leaves zero rows alone", () => {
    const m = { data: Float32Array.from([3, 4, 0, 0, 0, 0, 1, 0, 0]), rows: 3, dim: 3 };
    normaliseRows(m);
    assert.deepEqual(
      [...m.data.slice(0, 3)].map((x) => Number(x.toFixed(6))),
      [0.6, 0.8, 0],
    );
    assert.deepEqual([...m.data.slice(3, 6)], [0, 0, 0]);
    assert.deepEqual([...m.data.slice(6)], [1, 0, 0]);
  });

  it("Node 20 runs the WebAssembly SIMD kernel", () => {
    assert.equal(maxSimBackend(), "wasm-simd");
  });

  for (const backend of ["wasm-simd", "js"] as const) {
    it(`MaxSimQuery (${backend}) equals the naive loop: odd rows, dims not a multiple of 4, counted-row subsets`, () => {
      const rand = seeded(99);
      for (const dim of [1, 3, 4, 5, 20, 24, 127, 128]) {
        for (const lq of [1, 2, 5, 16, 33]) {
          const q = normaliseRows(matrix(lq, dim, rand));
          for (const rows of [lq, Math.max(1, lq - 3)]) {
            const kernel = new MaxSimQuery(q, rows, { backend });
            for (const ld of [1, 2, 3, 31, 180]) {
              const d = normaliseRows(matrix(ld, dim, rand));
              const want = naiveMaxima(q, d, rows);
              const got = kernel.maxima(d);
              for (let i = 0; i < rows; i++)
                assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `dim=${dim} lq=${lq} rows=${rows} ld=${ld}`);
              const sum = want.reduce((a, b) => a + b, 0);
              assert.ok(Math.abs(kernel.score(d) - sum) < 1e-4);
            }
          }
        }
      }
    });
  }

  it("interleaved queries and a document that needs more WebAssembly memory still score correctly", () => {
    const rand = seeded(5);
    const q1 = normaliseRows(matrix(32, 128, rand));
    const q2 = normaliseRows(matrix(7, 128, rand));
    const small = normaliseRows(matrix(20, 128, rand));
    const huge = normaliseRows(matrix(4000, 128, rand)); // 2 MB: grows the memory
    const k1 = new MaxSimQuery(q1);
    const k2 = new MaxSimQuery(q2);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    for (const d of [small, huge, small]) {
      assert.ok(Math.abs(k1.score(d) - sum(naiveMaxima(q1, d, 32))) < 1e-4);
      assert.ok(Math.abs(k2.score(d) - sum(naiveMaxima(q2, d, 7))) < 1e-4);
    }
    const empty = { data: new Float32Array(0), rows: 0, dim: 128 };
    assert.ok(k1.maxima(empty).every((x) => x === Number.NEGATIVE_INFINITY));
    assert.throws(() => k1.score(matrix(2, 64, rand)), RangeError);
    assert.throws(() => new MaxSimQuery(q2, 8), RangeError);
  });
});
