import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Document, InvalidInputError, normaliseDocuments, normaliseQuery } from "../src/index.js";

describe("normaliseDocuments", () => {
  it("accepts strings, Documents and plain objects, with auto ids = input index", () => {
    const docs = normaliseDocuments([
      "a",
      { text: "b" },
      new Document("c", "x", { k: 1 }),
      { text: "d", metadata: { m: 2 } },
    ]);
    assert.deepEqual(
      docs.map((d) => [d.text, d.docId, d.metadata]),
      [
        ["a", 0, {}],
        ["b", 1, {}],
        ["c", "x", { k: 1 }],
        ["d", 3, { m: 2 }],
      ],
    );
    assert.ok(docs.every((d) => d instanceof Document));
  });

  it("uses parallel docIds and metadata arrays", () => {
    const docs = normaliseDocuments(["a", "b"], { docIds: ["id-a", 7], metadata: [{ x: 1 }, undefined] });
    assert.deepEqual(
      docs.map((d) => d.docId),
      ["id-a", 7],
    );
    assert.deepEqual(
      docs.map((d) => d.metadata),
      [{ x: 1 }, {}],
    );
  });

  it("never mutates the caller's objects", () => {
    const input = { text: "a", metadata: { k: 1 } };
    const [doc] = normaliseDocuments([input], { docIds: ["z"], metadata: [{ extra: true }] });
    assert.deepEqual(input, { text: "a", metadata: { k: 1 } });
    assert.deepEqual(doc.metadata, { k: 1, extra: true });
  });

  it("returns an empty list for no documents", () => {
    assert.deepEqual(normaliseDocuments([]), []);
  });

  const bad: [string, () => unknown, RegExp][] = [
    [
      "docIds length mismatch",
      () => normaliseDocuments(["a", "b"], { docIds: [1] }),
      /docIds has 1 entries but there are 2 documents/,
    ],
    [
      "metadata length mismatch",
      () => normaliseDocuments(["a"], { metadata: [{}, {}] }),
      /metadata has 2 entries/,
    ],
    [
      "duplicate ids",
      () =>
        normaliseDocuments([
          { text: "a", docId: "x" },
          { text: "b", docId: "x" },
        ]),
      /duplicate docId "x"/,
    ],
    ["duplicate parallel ids", () => normaliseDocuments(["a", "b"], { docIds: [3, 3] }), /duplicate docId 3/],
    [
      "auto id clashes with explicit id",
      () => normaliseDocuments(["a", { text: "b", docId: 0 }]),
      /duplicate docId 0/,
    ],
    [
      "non-string text",
      () => normaliseDocuments([{ text: 5 }]),
      /documents\[0\]\.text must be a string, got number/,
    ],
    [
      "missing text",
      () => normaliseDocuments([{ docId: 1 }]),
      /documents\[0\]\.text must be a string, got undefined/,
    ],
    ["null document", () => normaliseDocuments([null]), /documents\[0\] must be a string or an object/],
    ["not an array", () => normaliseDocuments(42), /documents must be an array/],
    [
      "bad id type",
      () => normaliseDocuments([{ text: "a", docId: {} }]),
      /docId must be a string or a finite number/,
    ],
    [
      "conflicting ids",
      () => normaliseDocuments([{ text: "a", docId: 1 }], { docIds: [2] }),
      /has docId 1 but docIds\[0\] is 2/,
    ],
    [
      "metadata not an object",
      () => normaliseDocuments(["a"], { metadata: ["x" as never] }),
      /metadata\[0\] must be an object/,
    ],
  ];
  for (const [name, fn, message] of bad) {
    it(`rejects ${name} with a one-line InvalidInputError`, () => {
      assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        assert.equal(err.exitCode, 2);
        assert.match(err.message, message);
        assert.ok(!err.message.includes("\n"));
        return true;
      });
    });
  }
});

describe("normaliseQuery", () => {
  it("rejects empty, blank and non-string queries", () => {
    assert.throws(() => normaliseQuery(""), InvalidInputError);
    assert.throws(() => normaliseQuery("  \n "), /query must not be empty/);
    assert.throws(() => normaliseQuery(3), /query must be a string, got number/);
    assert.equal(normaliseQuery(" q "), " q ");
  });
});
