import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Document, RankedResults, Result } from "../src/index.js";

function sample(): RankedResults {
  return new RankedResults(
    "q",
    [
      new Result(new Document("best", "b", { src: "x" }), 2.5, 1),
      new Result(new Document("mid", 7, {}), 1, 2, { truncated: true }),
      new Result(new Document("worst", "w", {}), -3, 3),
    ],
    true,
  );
}

describe("Result", () => {
  it("exposes text, docId and metadata of its document", () => {
    const r = sample()[0];
    assert.equal(r.text, "best");
    assert.equal(r.docId, "b");
    assert.deepEqual(r.metadata, { src: "x" });
    assert.equal(r.rank, 1);
  });
});

describe("RankedResults", () => {
  it("is iterable and indexable in rank order, with length", () => {
    const rr = sample();
    assert.equal(rr.length, 3);
    assert.deepEqual(
      [...rr].map((r) => r.docId),
      ["b", 7, "w"],
    );
    assert.equal(rr[1].docId, 7);
    assert.equal(rr.at(-1)?.docId, "w");
    assert.equal(rr[3], undefined);
  });

  it("looks results up by docId (strict: 7 is not '7')", () => {
    const rr = sample();
    assert.equal(rr.scoreOf(7), 1);
    assert.equal(rr.scoreOf("7"), undefined);
    assert.equal(rr.resultOf("w")?.text, "worst");
    assert.equal(rr.resultOf("missing"), undefined);
  });

  it("topK keeps the best k and never more than there are", () => {
    const rr = sample();
    assert.deepEqual(
      [...rr.topK(2)].map((r) => r.docId),
      ["b", 7],
    );
    assert.equal(rr.topK(10).length, 3);
    assert.equal(rr.topK(0).length, 0);
    assert.throws(() => rr.topK(-1), /topK must be a non-negative integer/);
  });

  it("round-trips through JSON to an equal object", () => {
    const rr = sample();
    const back = RankedResults.fromJSON(JSON.parse(JSON.stringify(rr)));
    assert.deepStrictEqual(back, rr);
    assert.deepEqual(back.toJSON(), rr.toJSON());
    assert.equal(back.scoreOf(7), 1);
    assert.deepEqual(back[1].flags, { truncated: true });
  });

  it("round-trips listwise results without scores", () => {
    const rr = new RankedResults("q", [new Result(new Document("a", 0), undefined, 1)], false);
    const json = JSON.parse(JSON.stringify(rr));
    assert.equal("score" in json.results[0], false);
    assert.deepStrictEqual(RankedResults.fromJSON(json), rr);
  });

  it("round-trips any results through JSON (property)", () => {
    const docId = fc.oneof(fc.string(), fc.integer());
    const item = fc.record({
      text: fc.string(),
      // JSON has no -0, NaN or Infinity; scores never take those values.
      score: fc.option(
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
        { nil: undefined },
      ),
      meta: fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), {
        noNullPrototype: true,
      }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(docId, item), { selector: ([id]) => id, maxLength: 20 }),
        fc.string(),
        (items, query) => {
          const results = items.map(
            ([id, it], i) => new Result(new Document(it.text, id, it.meta), it.score, i + 1),
          );
          const rr = new RankedResults(query, results, true);
          const back = RankedResults.fromJSON(JSON.parse(JSON.stringify(rr)));
          assert.deepStrictEqual(back, rr);
          for (const r of rr) assert.equal(back.scoreOf(r.docId), r.score);
        },
      ),
    );
  });
});
