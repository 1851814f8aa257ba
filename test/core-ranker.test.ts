import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  AbortedError,
  createRanker,
  type Document,
  InvalidInputError,
  type ListwiseMethod,
  ModelOutputError,
  type PointwiseMethod,
  type Progress,
  UnsupportedOperationError,
} from "../src/index.js";
import { lexicalMethod } from "./helpers/lexical-ranker.js";

const id = { modelType: "lexical", model: "lexical-overlap", provider: null };

function fixedScores(scores: (number | undefined)[]): PointwiseMethod {
  return { kind: "pointwise", scoreDocuments: async () => ({ scores }) };
}

describe("createRanker (pointwise)", () => {
  it("ranks by score descending with 1-based ranks and keeps every document once", async () => {
    const ranker = createRanker(id, lexicalMethod());
    const res = await ranker.rank("red apple", ["green pear", "red apple pie", "an apple", "red car"]);
    assert.deepEqual(
      [...res].map((r) => [r.docId, r.score, r.rank]),
      [
        [1, 2, 1],
        [2, 1, 2],
        [3, 1, 3],
        [0, 0, 4],
      ],
    );
    assert.equal(res.hasScores, true);
    assert.equal(res.query, "red apple");
  });

  it("breaks ties by input order", async () => {
    const ranker = createRanker(id, fixedScores([1, 3, 1, 3, 1]));
    const res = await ranker.rank("q", ["a", "b", "c", "d", "e"]);
    assert.deepEqual(
      [...res].map((r) => r.docId),
      [1, 3, 0, 2, 4],
    );
  });

  it("applies topK after sorting", async () => {
    const ranker = createRanker(id, fixedScores([0.1, 0.9, 0.5]));
    const res = await ranker.rank("q", ["a", "b", "c"], { topK: 2 });
    assert.deepEqual(
      [...res].map((r) => r.docId),
      [1, 2],
    );
    assert.equal((await ranker.rank("q", ["a", "b", "c"], { topK: 10 })).length, 3);
  });

  it("keeps docIds and metadata from parallel arrays", async () => {
    const ranker = createRanker(id, fixedScores([1, 2]));
    const res = await ranker.rank("q", ["a", "b"], { docIds: ["x", "y"], metadata: [{ n: 1 }, { n: 2 }] });
    assert.deepEqual(res.resultOf("x")?.metadata, { n: 1 });
    assert.equal(res[0].docId, "y");
  });

  it("returns empty results for no documents without calling the method", async () => {
    const calls: { docs: readonly Document[] }[] = [];
    const res = await createRanker(id, lexicalMethod(calls)).rank("q", []);
    assert.equal(res.length, 0);
    assert.equal(calls.length, 0);
  });

  it("validates input before any model work", async () => {
    const calls: { docs: readonly Document[] }[] = [];
    const ranker = createRanker(id, lexicalMethod(calls));
    await assert.rejects(ranker.rank("", ["a"]), InvalidInputError);
    await assert.rejects(ranker.rank("q", ["a", { text: 1 } as never]), InvalidInputError);
    await assert.rejects(ranker.rank("q", ["a"], { topK: -1 }), /topK must be a non-negative integer/);
    await assert.rejects(ranker.rank("q", ["a"], { batchSize: 0 }), /batchSize must be a positive integer/);
    await assert.rejects(ranker.rank("q", ["a", "b"], { docIds: ["x", "x"] }), /duplicate docId "x"/);
    assert.equal(calls.length, 0);
  });

  it("rejects method output that would lose or invent documents", async () => {
    await assert.rejects(createRanker(id, fixedScores([1])).rank("q", ["a", "b"]), ModelOutputError);
    await assert.rejects(
      createRanker(id, fixedScores([1, Number.NaN])).rank("q", ["a", "b"]),
      /not a number/,
    );
    await assert.rejects(
      createRanker(id, fixedScores([1, undefined])).rank("q", ["a", "b"]),
      /no score for document 1/,
    );
  });

  it("stops when the signal is already aborted", async () => {
    const calls: { docs: readonly Document[] }[] = [];
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      createRanker(id, lexicalMethod(calls)).rank("q", ["a"], { signal: ac.signal }),
      AbortedError,
    );
    assert.equal(calls.length, 0);
  });

  it("reports progress up to the total", async () => {
    const seen: Progress[] = [];
    await createRanker(id, lexicalMethod()).rank("q", ["a", "b", "c"], { onProgress: (p) => seen.push(p) });
    assert.deepEqual(seen.at(-1), { done: 3, total: 3 });
  });

  it("score() returns the pair score", async () => {
    assert.equal(await createRanker(id, lexicalMethod()).score("red apple", "a red apple"), 2);
  });

  it("never loses or duplicates a document (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string(), { maxLength: 40 }),
        fc.array(fc.double({ noNaN: true }), { minLength: 40, maxLength: 40 }),
        fc.option(fc.nat(50), { nil: undefined }),
        async (texts, rawScores, topK) => {
          const ranker = createRanker(id, fixedScores(rawScores.slice(0, texts.length)));
          const res = await ranker.rank("q", texts, { topK });
          const expected = Math.min(topK ?? texts.length, texts.length);
          assert.equal(res.length, expected);
          const ids = [...res].map((r) => r.docId);
          assert.equal(new Set(ids).size, ids.length);
          assert.deepEqual(
            [...res].map((r) => r.rank),
            ids.map((_, i) => i + 1),
          );
          for (const r of res) assert.equal(r.text, texts[r.docId as number]);
          for (let i = 1; i < res.length; i++) {
            const a = res[i - 1];
            const b = res[i];
            assert.ok(
              (a.score as number) > (b.score as number) ||
                (a.score === b.score && (a.docId as number) < (b.docId as number)),
            );
          }
        },
      ),
    );
  });
});

describe("createRanker (listwise)", () => {
  const reverse: ListwiseMethod = {
    kind: "listwise",
    orderDocuments: async (_q, docs) => ({ order: docs.map((_, i) => docs.length - 1 - i) }),
  };

  it("uses the method's order, has no scores, and refuses score()", async () => {
    const ranker = createRanker({ ...id, modelType: "reverse" }, reverse);
    const res = await ranker.rank("q", ["a", "b", "c"]);
    assert.deepEqual(
      [...res].map((r) => [r.docId, r.rank, r.score]),
      [
        [2, 1, undefined],
        [1, 2, undefined],
        [0, 3, undefined],
      ],
    );
    assert.equal(res.hasScores, false);
    assert.equal(ranker.listwise, true);
    await assert.rejects(ranker.score("q", "a"), UnsupportedOperationError);
  });

  it("rejects an order that is not a permutation", async () => {
    const bad: ListwiseMethod = { kind: "listwise", orderDocuments: async () => ({ order: [0, 0, 1] }) };
    await assert.rejects(createRanker(id, bad).rank("q", ["a", "b", "c"]), /invalid permutation/);
  });
});
