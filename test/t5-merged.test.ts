import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type IoInfo, type TensorInput, toFloat32 } from "../src/engine/onnx.js";
import { type Ranker, Reranker } from "../src/index.js";
import { decoderFeeds, emptyPastDims, pastGeometry, toHalfBits } from "../src/methods/seq2seq.js";
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
    assert.deepEqual(feeds.encoder_hidden_states, hidden);
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

  it("float16 decoders get float16 hidden states and past, and decoder_attention_mask gets ones", () => {
    const half = inputs.map((i) => (i.type === f32 ? { ...i, type: "float16" } : i));
    half.push({
      name: "decoder_attention_mask",
      type: "int64",
      shape: ["batch_size", "decoder_sequence_length"],
    });
    const feeds = decoderFeeds(half, values, pastGeometry({ num_heads: 4, d_kv: 8 }));
    assert.equal(feeds.encoder_hidden_states.type, "float16");
    assert.deepEqual(feeds.encoder_hidden_states.dims, [2, 3, 32]);
    assert.equal(feeds.encoder_hidden_states.data.length, 2 * 3 * 32);
    assert.equal(feeds["past_key_values.0.encoder.value"].type, "float16");
    assert.deepEqual(feeds["past_key_values.0.encoder.value"].dims, [2, 4, 0, 8]);
    assert.deepEqual(feeds.decoder_attention_mask, {
      type: "int64",
      data: BigInt64Array.from([1n, 1n]),
      dims: [2, 1],
    });
  });

  it("float32 -> float16 bits round to nearest even (checked against the engine's float16 decoding)", () => {
    assert.equal(toHalfBits(1), 0x3c00);
    assert.equal(toHalfBits(-2), 0xc000);
    assert.equal(toHalfBits(65504), 0x7bff);
    assert.equal(toHalfBits(1e6), 0x7c00);
    assert.equal(toHalfBits(0.1), 0x2e66);
    assert.equal(toHalfBits(2 ** -24), 0x0001);
    assert.equal(toHalfBits(1e-9), 0);
    assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00); // tie -> even
    assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
    const xs = [0.333, -7.25, 1234.5, 3.1e-5, -0.0009765625, 42];
    const back = toFloat32("float16", Uint16Array.from(xs, toHalfBits));
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      assert.ok(Math.abs(back[i] - x) <= Math.abs(x) * 2 ** -11 + 2 ** -25, `${x} -> ${back[i]}`);
    }
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
