import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbortedError } from "../src/core/errors.js";
import { planBatches, scoreInBatches } from "../src/engine/batching.js";
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

  it("spreads a lone small request over every free session (concurrency 2)", async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const lengths = [3, 3, 2, 2];
    const run = async (items: number[]) => {
      most = Math.max(most, ++inFlight);
      sizes.push(items.length);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return items.map((l) => l * 10);
    };
    const batcher = new SharedBatcher(run, { tokenBudget: 64, concurrency: 2 });
    const scores = await batcher.score(lengths, lengths);
    assert.deepEqual(
      [...scores],
      lengths.map((l) => l * 10),
    );
    assert.equal(most, 2, "both sessions ran");
    assert.deepEqual(sizes.sort(), [2, 2], "two halves, not one batch that fits the budget");
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

describe("PairClassifier shares batches between concurrent calls", () => {
  it("runs overlapping calls' pairs together and gives each call the scores it gets alone", async () => {
    const { PairClassifier } = await import("../src/engine/pair-classifier.js");
    const { fixturePath } = await import("./helpers/fixtures.js");
    const dir = fixturePath("tiny-bert-cross-encoder");
    const classifier = await PairClassifier.load(dir, `${dir}/onnx/model.onnx`);
    const rowsPerRun: number[] = [];
    const run = classifier.session.run.bind(classifier.session);
    (classifier.session as { run: typeof run }).run = async (feeds, names) => {
      rowsPerRun.push(feeds.input_ids.dims[0]);
      return run(feeds, names);
    };
    const raw = (l: Float32Array, o: number) => l[o];
    const a = Array.from({ length: 6 }, (_, i) => `first request document ${i} ${"text ".repeat(i * 3)}`);
    const b = Array.from({ length: 6 }, (_, i) => `second request document ${i}`);
    const c = Array.from({ length: 5 }, (_, i) => `third request ${i}`);
    const opts = { tokenBudget: 100_000 };
    const calls: [string, string[]][] = [
      ["query a", a],
      ["query b", b],
      ["query c", c],
    ];
    const alone: { scores: Float64Array }[] = [];
    for (const [q, docs] of calls) alone.push(await classifier.scorePairs(q, docs, opts, raw));
    assert.deepEqual(rowsPerRun, [6, 6, 5]);
    rowsPerRun.length = 0;
    const together = await Promise.all(calls.map(([q, docs]) => classifier.scorePairs(q, docs, opts, raw)));
    together.forEach((res, i) => {
      res.scores.forEach((s, j) => {
        assert.ok(Math.abs(s - alone[i].scores[j]) < 1e-5);
      });
    });
    // The first call starts a run at once; the two calls that arrive meanwhile share the next batch.
    assert.deepEqual(rowsPerRun, [6, 11]);
    await classifier.close();
  });

  it("with concurrency 2 keeps two batches in flight and still plans a lone caller's batches", async () => {
    let inFlight = 0;
    let most = 0;
    const batches: string[][] = [];
    const run = async (items: string[]) => {
      batches.push(items);
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return items.map((s) => s.length);
    };
    const items = ["aaaa", "b", "cc", "dddddd", "e", "ff", "ggg", "hhhhh"];
    const lengths = items.map((s) => s.length);
    const scores = await new SharedBatcher(run, { tokenBudget: 8, concurrency: 2 }).score(items, lengths);
    assert.deepEqual([...scores], lengths);
    assert.equal(most, 2);
    assert.deepEqual(
      batches,
      planBatches(lengths, 8, Number.POSITIVE_INFINITY).map((b) => b.map((i) => items[i])),
    );
  });

  it("scoreInBatches with concurrency 2 runs two batches at once and returns input order", async () => {
    let inFlight = 0;
    let most = 0;
    const lengths = [5, 1, 3, 8, 2, 2, 7, 4, 6];
    const scores = await scoreInBatches(lengths, { tokenBudget: 8, concurrency: 2 }, async (indices) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return indices.map((i) => lengths[i] * 10);
    });
    assert.deepEqual(
      [...scores],
      lengths.map((l) => l * 10),
    );
    assert.equal(most, 2);
  });
});
