import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { IoInfo, TensorInput } from "../src/engine/onnx.js";
import { type Ranker, Reranker } from "../src/index.js";
import { decoderFeeds, emptyPastDims, pastGeometry } from "../src/methods/seq2seq.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";
import { mergeDecoder } from "./helpers/t5-merged-decoder.js";

const DIR = fixturePath("tiny-monot5");
const ref = readReference("tiny-monot5");

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
type Case = any;

describe("merged decoder feeds (pure)", () => {
  const ids: TensorInput = { type: "int64", data: new BigInt64Array(2), dims: [2, 1] };
  const hidden: TensorInput = { type: "float32", data: new Float32Array(2 * 3 * 32), dims: [2, 3, 32] };
  const mask: TensorInput = { type: "int64", data: new BigInt64Array(6), dims: [2, 3] };
  const values = { decoderIds: ids, encoderHidden: hidden, encoderMask: mask, batch: 2 };
  const f32 = "float32";
  // As Optimum's merged T5 decoder declares them.
  const inputs: IoInfo[] = [
    { name: "encoder_attention_mask", type: "int64", shape: ["batch_size", "encoder_sequence_length"] },
    { name: "input_ids", type: "int64", shape: ["batch_size", "decoder_sequence_length"] },
    { name: "encoder_hidden_states", type: f32, shape: ["batch_size", "encoder_sequence_length", 32] },
    {
      name: "past_key_values.0.decoder.key",
      type: f32,
      shape: ["batch_size", 4, "past_decoder_sequence_length", 8],
    },
    {
      name: "past_key_values.0.decoder.value",
      type: f32,
      shape: ["batch_size", 4, "past_decoder_sequence_length", 8],
    },
    {
      name: "past_key_values.0.encoder.key",
      type: f32,
      shape: ["batch_size", 4, "encoder_sequence_length_out", 8],
    },
    {
      name: "past_key_values.0.encoder.value",
      type: f32,
      shape: ["batch_size", 4, "encoder_sequence_length_out", 8],
    },
    { name: "use_cache_branch", type: "bool", shape: [1] },
  ];

  it("feeds every declared input: no-cache branch, empty past of [batch, heads, 0, d_kv]", () => {
    const feeds = decoderFeeds(inputs, values, pastGeometry({ num_heads: 4, d_kv: 8 }));
    assert.deepEqual(Object.keys(feeds).sort(), inputs.map((i) => i.name).sort());
    assert.equal(feeds.input_ids, ids);
    assert.equal(feeds.encoder_hidden_states, hidden);
    assert.equal(feeds.encoder_attention_mask, mask);
    assert.deepEqual(feeds.use_cache_branch, { type: "bool", data: new Uint8Array([0]), dims: [1] });
    for (const name of Object.keys(feeds).filter((n) => n.startsWith("past_key_values."))) {
      assert.deepEqual(feeds[name].dims, [2, 4, 0, 8]);
      assert.equal(feeds[name].data.length, 0);
    }
  });

  it("symbolic head / head-dim dimensions come from config.json", () => {
    const cfg = { num_heads: ref.onnx.num_heads, d_kv: ref.onnx.d_kv };
    const info: IoInfo = { name: "past_key_values.1.decoder.key", type: f32, shape: ["b", "h", "p", "d"] };
    assert.deepEqual(emptyPastDims(info, 3, pastGeometry(cfg)), [3, ref.onnx.num_heads, 0, ref.onnx.d_kv]);
    assert.deepEqual(emptyPastDims(info, 1, pastGeometry({ num_heads: 4, d_model: 32 })), [1, 4, 0, 8]);
    assert.throws(() => emptyPastDims(info, 1, pastGeometry({})), { name: "ModelFilesError" });
  });

  it("an input it does not know is a ModelFilesError, not a guess", () => {
    const odd = [...inputs, { name: "position_bias", type: f32, shape: [1] }];
    assert.throws(() => decoderFeeds(odd, values, pastGeometry({ num_heads: 4, d_kv: 8 })), {
      name: "ModelFilesError",
    });
  });
});

describe("t5 and upr with a merged decoder (decoder_model_merged.onnx, use_cache_branch)", () => {
  let tmp: string;
  let t5: Ranker;
  let upr: Ranker;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "t5-merged-"));
    await mkdir(join(tmp, "onnx"));
    for (const f of [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "special_tokens_map.json",
      "onnx/encoder_model.onnx",
    ]) {
      await symlink(join(DIR, f), join(tmp, f));
    }
    const merged = mergeDecoder(await readFile(join(DIR, "onnx/decoder_model.onnx")), {
      layers: ref.onnx.num_decoder_layers,
      heads: ref.onnx.num_heads,
      headDim: ref.onnx.d_kv,
    });
    await writeFile(join(tmp, "onnx/decoder_model_merged.onnx"), merged);
    t5 = await Reranker(tmp, { modelType: "t5", threads: 1 });
    upr = await Reranker(tmp, { modelType: "upr", threads: 1 });
  });
  after(async () => {
    await t5?.close();
    await upr?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it("t5 scores equal the reference", async () => {
    for (const c of ref.cases.slice(0, 3) as Case[]) {
      const res = await t5.rank(
        c.query,
        c.docs.map((d: Case) => d.text),
      );
      for (const r of res.results) {
        const want = c.scores[r.document.docId as number];
        assert.ok(Math.abs((r.score as number) - want) <= 1e-4, `${r.score} vs ${want}`);
      }
    }
  });

  it("upr scores equal the reference", async () => {
    const c = ref.upr.cases[0];
    const res = await upr.rank(
      c.query,
      c.docs.map((d: Case) => d.text),
    );
    for (const r of res.results) {
      const want = c.scores[r.document.docId as number];
      assert.ok(
        Math.abs((r.score as number) - want) <= Math.max(1e-5, 2e-6 * Math.abs(want)),
        `${r.score} vs ${want}`,
      );
    }
  });
});
