import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { openSession } from "../src/engine/onnx.js";
import { Reranker } from "../src/index.js";
import { CAUSAL_DIR, causalBlock, maxAbsDiff, rankCase } from "./helpers/causal-lm-cases.js";
import { modelWithCacheInputs } from "./helpers/causal-lm-onnx.js";
import { readReference } from "./helpers/fixtures.js";

const onnxRef = readReference("tiny-mxbai-v2").onnx as {
  num_hidden_layers: number;
  num_key_value_heads: number;
  head_dim: number;
};

describe("a merged-decoder export declaring past_key_values.*, use_cache_branch and num_logits_to_keep", () => {
  const fixed = modelWithCacheInputs(CAUSAL_DIR, {
    layers: onnxRef.num_hidden_layers,
    kvHeads: onnxRef.num_key_value_heads,
    headDim: onnxRef.head_dim,
  });
  const symbolic = modelWithCacheInputs(CAUSAL_DIR, {
    layers: onnxRef.num_hidden_layers,
    kvHeads: "kv_heads",
    headDim: "head_dim",
  });
  const half = modelWithCacheInputs(CAUSAL_DIR, {
    layers: onnxRef.num_hidden_layers,
    kvHeads: 2,
    headDim: 8,
    fp16Cache: true,
  });
  after(() => {
    fixed.cleanup();
    symbolic.cleanup();
    half.cleanup();
  });

  test("the derived graph really declares the cache inputs", async () => {
    const s = await openSession(`${fixed.dir}/onnx/decoder_model_merged.onnx`);
    const names = s.inputs.map((i) => i.name);
    assert.ok(names.includes("past_key_values.1.value") && names.includes("use_cache_branch"));
    // onnxruntime insists on every declared input, so the parity tests below exercise our cache feeds.
    const ids = { type: "int64" as const, data: BigInt64Array.of(1n, 2n), dims: [1, 2] };
    const plain = {
      input_ids: ids,
      attention_mask: { ...ids, data: BigInt64Array.of(1n, 1n) },
      position_ids: { ...ids, data: BigInt64Array.of(0n, 1n) },
    };
    await assert.rejects(s.run(plain, ["logits"]));
    await s.close();
  });

  for (const [label, model] of [
    ["fixed head dims", fixed],
    ["symbolic head dims (from config.json)", symbolic],
    ["float16 cache inputs", half],
  ] as const) {
    for (const block of ["mxbaiv2", "qwen3"] as const) {
      test(`${block}, ${label}: reference scores with empty caches fed`, async () => {
        const r = await Reranker(model.dir, { modelType: block });
        try {
          for (const c of causalBlock(block).cases.filter(
            (x) => x.name === "plain-english" || x.name === "long-document",
          )) {
            const { scores, ranking } = await rankCase(r, c);
            assert.ok(maxAbsDiff(scores, c.scores) <= 1e-4, `${c.name}: ${scores} vs ${c.scores}`);
            assert.deepEqual(ranking, c.ranking);
          }
        } finally {
          await r.close();
        }
      });
    }
  }
});
