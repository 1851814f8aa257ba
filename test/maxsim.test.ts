import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { maxSim, maxSimRows, normaliseRows, type TokenMatrix } from "../src/engine/maxsim.js";

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
});
