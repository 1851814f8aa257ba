import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { windows } from "../src/compose/chunking.js";
import { createRanker, fuse, type ListwiseMethod, type PointwiseMethod, withChunking } from "../src/index.js";
import { lexicalRanker } from "./helpers/lexical-ranker.js";

const id = (name: string) => ({ modelType: name, model: name, provider: null });
const fixed = (name: string, scores: number[]) =>
  createRanker(id(name), {
    kind: "pointwise",
    scoreDocuments: async () => ({ scores }),
  } satisfies PointwiseMethod);

describe("fuse", () => {
  it("reciprocal rank fusion: Σ w / (k + rank), hand-computed", async () => {
    // ranker a ranks docs [0,1,2] as 1,2,3; ranker b as 3,1,2
    const a = fixed("a", [3, 2, 1]);
    const b = fixed("b", [0, 9, 5]);
    const res = await fuse([a, b], { method: "rrf", k: 1 }).rank("q", ["x", "y", "z"]);
    // doc0: 1/2 + 1/4 = 0.75; doc1: 1/3 + 1/2 = 0.8333; doc2: 1/4 + 1/3 = 0.5833
    assert.deepEqual(
      [...res].map((r) => r.docId),
      [1, 0, 2],
    );
    assert.ok(Math.abs((res.scoreOf(1) as number) - (1 / 3 + 1 / 2)) < 1e-12);
  });

  it("works with listwise rankers under RRF and rejects them for weighted blending", async () => {
    const reverse: ListwiseMethod = {
      kind: "listwise",
      orderDocuments: async (_q, d) => ({ order: d.map((_, i) => d.length - 1 - i) }),
    };
    const lw = createRanker(id("lw"), reverse);
    const res = await fuse([lw, { ranker: fixed("a", [3, 2, 1]), weight: 0.5 }], {
      method: "rrf",
      k: 0,
    }).rank("q", ["x", "y", "z"]);
    // doc0: 1/3 + 0.5/1; doc1: 1/2 + 0.5/2; doc2: 1/1 + 0.5/3
    assert.deepEqual(
      [...res].map((r) => r.docId),
      [2, 0, 1],
    );
    await assert.rejects(
      fuse([lw], { method: "weighted" }).rank("q", ["x", "y"]),
      /listwise and has no scores/,
    );
  });

  it("weighted blending of min-max normalised scores with a first-stage score from metadata", async () => {
    const model = fixed("m", [10, 0, 5]);
    const fused = fuse(
      [
        { ranker: model, weight: 1 },
        { firstStage: "bm25", weight: 2 },
      ],
      { method: "weighted" },
    );
    const res = await fused.rank("q", [
      { text: "x", metadata: { bm25: 0 } },
      { text: "y", metadata: { bm25: 1 } },
      { text: "z", metadata: { bm25: 0.5 } },
    ]);
    // doc0: 1 + 0 = 1; doc1: 0 + 2 = 2; doc2: 0.5 + 1 = 1.5
    assert.deepEqual(
      [...res].map((r) => [r.docId, r.score]),
      [
        [1, 2],
        [2, 1.5],
        [0, 1],
      ],
    );
    await assert.rejects(
      fuse([{ firstStage: "bm25" }]).rank("q", ["no metadata"]),
      /no numeric first-stage score metadata\.bm25/,
    );
  });
});

describe("withChunking", () => {
  const long = `${"filler ".repeat(300)}the answer is purple`;

  it("cuts overlapping windows", () => {
    const t = "a b c d e f g".split(" ");
    assert.deepEqual(windows(t, 3, 1), [
      ["a", "b", "c"],
      ["c", "d", "e"],
      ["e", "f", "g"],
    ]);
    assert.deepEqual(windows(t, 10, 2), [t]);
  });

  it("finds relevant text past the first window with max aggregation, not with first", async () => {
    const docs = [long, "unrelated short text"];
    const max = await withChunking(lexicalRanker(), { chunkSize: 50, overlap: 10 }).rank(
      "purple answer",
      docs,
    );
    assert.equal(max[0].docId, 0);
    assert.equal(max.scoreOf(0), 2);
    const first = await withChunking(lexicalRanker(), { chunkSize: 50, aggregate: "first" }).rank(
      "purple answer",
      docs,
    );
    assert.equal(first.scoreOf(0), 0);
    const mean = await withChunking(lexicalRanker(), { chunkSize: 50, overlap: 0, aggregate: "mean" }).rank(
      "purple",
      docs,
    );
    assert.ok((mean.scoreOf(0) as number) > 0 && (mean.scoreOf(0) as number) < 1);
    assert.equal(mean.length, 2);
  });

  it("validates its options", () => {
    assert.throws(
      () => withChunking(lexicalRanker(), { chunkSize: 10, overlap: 10 }),
      /overlap must be an integer/,
    );
  });
});
