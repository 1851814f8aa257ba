import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ModelFilesError, ModelOutputError } from "../src/core/errors.js";
import type { IoInfo } from "../src/engine/onnx.js";
import { cacheFeeds, isPastInput, kvGeometry, leftPad, pickLogits } from "../src/methods/causal-lm-inputs.js";
import { readReference } from "./helpers/fixtures.js";

const nums = (a: BigInt64Array) => Array.from(a, Number);

describe("leftPad", () => {
  test("pads on the left, masks pads, gives real tokens positions 0..n-1", () => {
    const b = leftPad([[5, 6, 7], [8]], 0);
    assert.equal(b.batch, 2);
    assert.equal(b.width, 3);
    assert.deepEqual(b.inputIds.dims, [2, 3]);
    assert.deepEqual(nums(b.inputIds.data as BigInt64Array), [5, 6, 7, 0, 0, 8]);
    assert.deepEqual(nums(b.attentionMask.data as BigInt64Array), [1, 1, 1, 0, 0, 1]);
    assert.deepEqual(nums(b.positionIds.data as BigInt64Array), [0, 1, 2, 1, 1, 0]);
  });

  test("the last column is every row's last real token", () => {
    const rows = [[1, 2], [3, 4, 5, 6], [7]];
    const b = leftPad(rows, 99);
    const ids = nums(b.inputIds.data as BigInt64Array);
    for (let r = 0; r < rows.length; r++) assert.equal(ids[r * b.width + b.width - 1], rows[r].at(-1));
  });
});

/** The tiny-mxbai-v2 fixture's attention geometry (GQA, explicit head_dim), as its config.json states it. */
const GQA_CONFIG = {
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 8,
  hidden_size: 32,
};

describe("kvGeometry", () => {
  test("reads the fixture's config (GQA, explicit head_dim)", () => {
    const ref = readReference("tiny-mxbai-v2").onnx;
    assert.deepEqual(kvGeometry(GQA_CONFIG), {
      numLayers: ref.num_hidden_layers,
      numKvHeads: ref.num_key_value_heads,
      headDim: ref.head_dim,
    });
  });

  test("falls back to hidden_size / heads and to full heads without GQA", () => {
    assert.deepEqual(kvGeometry({ num_hidden_layers: 3, num_attention_heads: 4, hidden_size: 64 }), {
      numLayers: 3,
      numKvHeads: 4,
      headDim: 16,
    });
  });

  test("a config without the geometry is a ModelFilesError", () => {
    assert.throws(() => kvGeometry({ hidden_size: 32 }), ModelFilesError);
  });
});

describe("cacheFeeds (from the session's input metadata)", () => {
  const io = (name: string, type: string, shape: (number | string)[]): IoInfo => ({ name, type, shape });

  test("a plain export (input_ids, attention_mask, position_ids) needs no extra feeds", () => {
    const inputs = [
      io("input_ids", "int64", ["batch_size", "sequence_length"]),
      io("attention_mask", "int64", ["batch_size", "total_sequence_length"]),
      io("position_ids", "int64", ["batch_size", "sequence_length"]),
    ];
    assert.deepEqual(cacheFeeds(inputs, GQA_CONFIG, 3), {});
  });

  test("a merged decoder gets empty [b, kv_heads, 0, head_dim] caches and use_cache_branch = false", () => {
    const inputs = [io("input_ids", "int64", ["batch_size", "sequence_length"])];
    for (let i = 0; i < 2; i++) {
      for (const kind of ["key", "value"]) {
        inputs.push(
          io(`past_key_values.${i}.${kind}`, "float32", ["batch_size", 2, "past_sequence_length", 8]),
        );
      }
    }
    inputs.push(io("use_cache_branch", "bool", [1]));
    const feeds = cacheFeeds(inputs, GQA_CONFIG, 3);
    assert.deepEqual(Object.keys(feeds).sort(), [
      "past_key_values.0.key",
      "past_key_values.0.value",
      "past_key_values.1.key",
      "past_key_values.1.value",
      "use_cache_branch",
    ]);
    for (const [name, t] of Object.entries(feeds)) {
      if (name === "use_cache_branch") {
        assert.equal(t.type, "bool");
        assert.deepEqual(t.dims, [1]);
        assert.deepEqual([...t.data], [0]);
      } else {
        assert.equal(t.type, "float32");
        assert.deepEqual(t.dims, [3, 2, 0, 8]);
        assert.equal(t.data.length, 0);
      }
    }
  });

  test("symbolic head dims come from config.json; fixed dims in the metadata win", () => {
    const symbolic = cacheFeeds(
      [io("past_key_values.0.key", "float32", ["b", "h", "p", "d"])],
      GQA_CONFIG,
      1,
    );
    assert.deepEqual(symbolic["past_key_values.0.key"].dims, [1, 2, 0, 8]);
    const fixed = cacheFeeds([io("past_key_values.0.value", "float32", ["b", 5, "p", 16])], GQA_CONFIG, 2);
    assert.deepEqual(fixed["past_key_values.0.value"].dims, [2, 5, 0, 16]);
  });

  test("logits_to_keep is fed 1 so that only the last position is computed", () => {
    const feeds = cacheFeeds([io("num_logits_to_keep", "int64", [])], GQA_CONFIG, 4);
    assert.deepEqual(feeds.num_logits_to_keep.dims, []);
    assert.deepEqual([...(feeds.num_logits_to_keep.data as BigInt64Array)], [1n]);
  });

  test("fp16 exports get empty float16 caches; other cache types are a ModelFilesError naming the input", () => {
    const feeds = cacheFeeds([io("past_key_values.0.key", "float16", ["b", 2, "p", 8])], GQA_CONFIG, 2);
    assert.equal(feeds["past_key_values.0.key"].type, "float16");
    assert.deepEqual(feeds["past_key_values.0.key"].dims, [2, 2, 0, 8]);
    assert.ok(feeds["past_key_values.0.key"].data instanceof Uint16Array);
    assert.throws(
      () => cacheFeeds([io("past_key_values.0.key", "int8", ["b", 2, "p", 8])], GQA_CONFIG, 1),
      (e: Error) => e instanceof ModelFilesError && e.message.includes("past_key_values.0.key"),
    );
  });

  test("isPastInput matches only per-layer key/value names", () => {
    assert.ok(isPastInput("past_key_values.11.value"));
    assert.ok(!isPastInput("past_key_values"));
    assert.ok(!isPastInput("present.0.key"));
  });
});

describe("pickLogits", () => {
  // logits[b=2, s=3, v=4] with value = 100*b + 10*s + v, so each read is checkable.
  const data = new Float32Array(2 * 3 * 4).map(
    (_, i) => 100 * Math.floor(i / 12) + 10 * (Math.floor(i / 4) % 3) + (i % 4),
  );

  test("reads the asked ids at the asked position of each row", () => {
    const out = pickLogits({ data, dims: [2, 3, 4] }, [2, 1], [3, 0]);
    assert.deepEqual([...out], [23, 20, 113, 110]);
  });

  test("a graph that kept only the last position is read at 0", () => {
    const last = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...pickLogits({ data: last, dims: [2, 1, 4] }, [9, 9], [1])], [2, 6]);
    assert.deepEqual([...pickLogits({ data: last, dims: [2, 4] }, [9, 9], [2])], [3, 7]);
  });

  test("wrong shapes and ids outside the vocabulary are ModelOutputErrors", () => {
    assert.throws(() => pickLogits({ data, dims: [3, 2, 4] }, [0, 0], [0]), ModelOutputError);
    assert.throws(() => pickLogits({ data, dims: [2, 3, 4] }, [0, 0], [4]), ModelOutputError);
  });
});
