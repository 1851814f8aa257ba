import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbortedError } from "../src/core/errors.js";
import { planBatches } from "../src/engine/batching.js";
import { SharedBatcher } from "../src/engine/shared-batches.js";

/** A scoring function that records each batch and scores an item by its value; it yields like a real model. */
function recorder() {
  const batches: string[][] = [];
  const run = async (items: string[]) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, 5));
    return items.map((s) => s.length);
  };
  return { batches, run };
}

describe("SharedBatcher", () => {
  it("gives a lone caller exactly the batches planBatches plans", async () => {
    const { batches, run } = recorder();
    const items = ["aaaa", "b", "cc", "dddddd", "e", "ff"];
    const lengths = items.map((s) => s.length);
    const scores = await new SharedBatcher(run, { tokenBudget: 8 }).score(items, lengths);
    assert.deepEqual([...scores], lengths);
    assert.deepEqual(
      batches,
      planBatches(lengths, 8, Number.POSITIVE_INFINITY).map((b) => b.map((i) => items[i])),
    );
  });

  it("shares batches between concurrent requests and returns each its own scores", async () => {
    const { batches, run } = recorder();
    const batcher = new SharedBatcher(run, { tokenBudget: 64, maxBatchSize: 4 });
    const a = ["a1", "a22", "a333", "a4444", "a55555"];
    const b = ["b1", "b22", "b333"];
    const pa = batcher.score(
      a,
      a.map((s) => s.length),
    );
    const pb = batcher.score(
      b,
      b.map((s) => s.length),
    ); // arrives while a's first batch runs
    const [sa, sb] = await Promise.all([pa, pb]);
    assert.deepEqual(
      [...sa],
      a.map((s) => s.length),
    );
    assert.deepEqual(
      [...sb],
      b.map((s) => s.length),
    );
    assert.ok(
      batches.some((batch) => batch.some((s) => s.startsWith("a")) && batch.some((s) => s.startsWith("b"))),
      `no mixed batch in ${JSON.stringify(batches)}`,
    );
    assert.equal(batches.flat().length, a.length + b.length);
  });

  it("drops an aborted request's waiting items without hurting the others", async () => {
    const { batches, run } = recorder();
    const batcher = new SharedBatcher(run, { tokenBudget: 4, maxBatchSize: 1 });
    const ac = new AbortController();
    const keep = batcher.score(["k1", "k2"], [2, 2]);
    const dropped = batcher.score(["x1", "x2", "x3"], [2, 2, 2], { signal: ac.signal });
    ac.abort();
    await assert.rejects(dropped, AbortedError);
    assert.deepEqual([...(await keep)], [2, 2]);
    assert.ok(batches.flat().filter((s) => s.startsWith("x")).length <= 1);
  });

  it("rejects every request in a failing batch and keeps serving", async () => {
    let fail = true;
    const batcher = new SharedBatcher(async (items: string[]) => {
      if (fail) {
        fail = false;
        throw new Error("boom");
      }
      return items.map(() => 1);
    });
    await assert.rejects(batcher.score(["a"], [1]), /boom/);
    assert.deepEqual([...(await batcher.score(["b"], [1]))], [1]);
  });
});
