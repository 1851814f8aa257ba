import assert from "node:assert/strict";
import { describe, test } from "node:test";
import "../src/core/families.js";
import { Reranker } from "../src/core/reranker.js";
import { findOnnxFile } from "../src/engine/model-files.js";
import { openSession } from "../src/engine/onnx.js";
import { PairClassifier } from "../src/engine/pair-classifier.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { assertMatchesCase, type RefCase } from "./helpers/engine-parity.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

/** Data-parallel worker sessions (`workers`) and tokenising in the worker (issue 12.1, 15.5). */
describe("workers: data-parallel sessions", { timeout: 120_000 }, () => {
  test("reference.json scores through Reranker({ workers: 2, threads: 1 }) with small batches", async () => {
    for (const name of ["tiny-bert-cross-encoder", "tiny-monobert"]) {
      const cases: RefCase[] = readReference(name).cases;
      // A small token budget makes several batches per call, so both workers run at once.
      const r = await Reranker(fixturePath(name), {
        modelType: "cross-encoder",
        workers: 2,
        threads: 1,
        tokenBudget: 64,
      });
      try {
        for (const c of cases) assertMatchesCase(await r.rank(c.query, c.docs), c);
      } finally {
        await r.close();
      }
    }
  });

  test("a pool runs two batches at the same time and answers each with its own outputs", async () => {
    const dir = fixturePath("tiny-bert-cross-encoder");
    const path = await findOnnxFile(dir, "model", "fp32");
    const pool = await PairClassifier.load(dir, path, { workers: 2, threads: 1 });
    const alone = await PairClassifier.load(dir, path, { threads: 1 });
    try {
      assert.equal(pool.session.parallelism, 2);
      assert.equal(alone.session.parallelism, 1);
      const texts = Array.from(
        { length: 12 },
        (_, i) => `document ${i} ${"about the economy ".repeat(i + 1)}`,
      );
      const enc = alone.encodePairs("what about the economy", texts);
      const batches = [enc.slice(0, 4), enc.slice(4, 8), enc.slice(8)];
      const together = await Promise.all(batches.map((b) => pool.logits(b)));
      for (let k = 0; k < batches.length; k++) {
        const one = await alone.logits(batches[k]);
        assert.deepEqual([...together[k].data], [...one.data], `batch ${k}`);
      }
    } finally {
      await pool.close();
      await alone.close();
    }
  });

  test("tokenising in the worker gives the main thread's ids, type ids and truncation flags", async () => {
    const dir = fixturePath("tiny-bert-cross-encoder");
    const session = await openSession(await findOnnxFile(dir, "model", "fp32"), { workers: 2, threads: 1 });
    try {
      const tokenizer = await Tokenizer.fromDir(dir);
      const query = "How is the U.S. responding to Russia's invasion of Ukraine?";
      // 70 texts: split across both workers; one is long enough to be truncated at 32 tokens.
      const texts = Array.from(
        { length: 70 },
        (_, i) => `passage ${i}: ${"sanctions and allies ".repeat(i % 9)}`,
      );
      const encode = session.encodePairs;
      assert.ok(encode, "worker sessions tokenise");
      const got = await encode(dir, query, texts, 32);
      assert.equal(got.offsets.length, texts.length + 1);
      let truncated = 0;
      texts.forEach((t, k) => {
        const want = tokenizer.encodePair(query, t, 32);
        const from = got.offsets[k];
        const to = got.offsets[k + 1];
        assert.deepEqual([...got.ids.subarray(from, to)], want.ids, `ids of pair ${k}`);
        assert.deepEqual([...got.typeIds.subarray(from, to)], want.typeIds, `type ids of pair ${k}`);
        assert.equal(got.truncated[k] === 1, want.truncated, `truncated flag of pair ${k}`);
        if (want.truncated) truncated++;
      });
      assert.ok(truncated > 0 && truncated < texts.length, `${truncated} truncated`);
    } finally {
      await session.close();
    }
  });

  test("rejects a negative or fractional worker count", async () => {
    const path = await findOnnxFile(fixturePath("tiny-bert-cross-encoder"), "model", "fp32");
    await assert.rejects(openSession(path, { workers: -1 }), /workers must be a non-negative integer/);
    await assert.rejects(openSession(path, { workers: 1.5 }), /workers must be a non-negative integer/);
  });
});
