/**
 * Offline attention fusion (src/engine/graph): every BERT-family encoder fixture gets one fused Attention node per
 * layer and computes the same outputs as its original graph; graphs that are not such encoders, or whose pieces do
 * not check out, are left alone; the fused copy is cached once and can be turned off.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fusedModelPath } from "../src/engine/fused-model.js";
import { fuseEncoderGraph } from "../src/engine/graph/fuse.js";
import { constantTensor, indexGraph } from "../src/engine/graph/index.js";
import { parseModel, scalar, serializeModel } from "../src/engine/graph/model.js";
import { concat } from "../src/engine/graph/wire.js";
import { loadOrt } from "../src/engine/onnx.js";
import { fixturePath } from "./helpers/fixtures.js";

/** [fixture, graph, classifier]: classifiers read only the first token, ColBERT returns every token. */
const ENCODERS: [string, string, boolean][] = [
  ["minilm-l6-h384-random", "onnx/model.onnx", true],
  ["tiny-bert-cross-encoder", "onnx/model.onnx", true],
  ["tiny-xlm-roberta-cross-encoder", "onnx/model.onnx", true],
  ["tiny-monobert", "onnx/model.onnx", true],
  ["tiny-colbert", "onnx/model.onnx", false],
  ["tiny-colbert-hf-layout", "onnx/model.onnx", false],
];
const tmp = mkdtempSync(join(tmpdir(), "rerankers-fusion-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const config = (name: string) => JSON.parse(readFileSync(fixturePath(name, "config.json"), "utf8"));
const bytesOf = (name: string, file: string) => new Uint8Array(readFileSync(fixturePath(name, file)));

/** Seeded token ids; rows of different lengths, so padding and the mask are exercised. */
function feeds(ort: Awaited<ReturnType<typeof loadOrt>>, inputNames: readonly string[], vocab: number) {
  const rows = 3;
  const width = 12;
  const lengths = [12, 7, 3];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const ids = new BigInt64Array(rows * width);
  const mask = new BigInt64Array(rows * width);
  const types = new BigInt64Array(rows * width);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < width; j++) {
      const real = j < lengths[r];
      ids[r * width + j] = BigInt(real ? 1 + Math.floor(rand() * (vocab - 1)) : 0);
      mask[r * width + j] = real ? 1n : 0n;
      types[r * width + j] = real && j > lengths[r] / 2 ? 1n : 0n;
    }
  const all: Record<string, InstanceType<typeof ort.Tensor>> = {
    input_ids: new ort.Tensor("int64", ids, [rows, width]),
    attention_mask: new ort.Tensor("int64", mask, [rows, width]),
    token_type_ids: new ort.Tensor("int64", types, [rows, width]),
  };
  return Object.fromEntries(inputNames.map((n) => [n, all[n]]));
}

/** Largest difference between two graphs' outputs on the same padded batch (padding positions excluded). */
async function maxDifference(a: Uint8Array, b: Uint8Array, vocab: number): Promise<number> {
  const ort = await loadOrt();
  const [sa, sb] = await Promise.all(
    [a, b].map((m) => ort.InferenceSession.create(m, { intraOpNumThreads: 1 })),
  );
  const f = feeds(ort, sa.inputNames, vocab);
  const [oa, ob] = [await sa.run(f), await sb.run(f)];
  let worst = 0;
  for (const name of sa.outputNames) {
    const x = oa[name].data as Float32Array;
    const y = ob[name].data as Float32Array;
    assert.equal(x.length, y.length, name);
    const dims = oa[name].dims;
    const perToken = dims.length === 3 ? dims[2] : 0;
    for (let i = 0; i < x.length; i++) {
      // Hidden states at padding positions are never read (ColBERT drops them), so only real tokens count.
      if (perToken) {
        const row = Math.floor(i / (dims[1] * perToken));
        const pos = Math.floor(i / perToken) % dims[1];
        if (pos >= [12, 7, 3][row]) continue;
      }
      worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
    }
  }
  await Promise.all([sa.release(), sb.release()]);
  return worst;
}

const opTypes = (bytes: Uint8Array) => parseModel(bytes).nodes.map((n) => n.opType);

describe("attention fusion", () => {
  for (const [name, file, classifier] of ENCODERS) {
    const shape = classifier ? "the last on the first token only" : "every token kept";
    it(`${name}: one fused attention per layer (${shape}), same outputs as the original graph (≤ 1e-4)`, async () => {
      const original = bytesOf(name, file);
      const fused = fuseEncoderGraph(original);
      assert.ok(fused, "nothing was fused");
      const layers = config(name).num_hidden_layers;
      assert.equal(fused.attention, layers);
      assert.equal(fused.firstToken, classifier);
      const ops = opTypes(concat(fused.chunks));
      const lastLayer = classifier ? 1 : 0;
      assert.equal(ops.filter((o) => o === "Attention").length, layers - lastLayer);
      assert.equal(ops.filter((o) => o === "MultiHeadAttention").length, lastLayer);
      assert.ok(!ops.includes("Softmax") && !ops.includes("Transpose"), ops.join(" "));
      if (classifier) {
        // The last layer's input is read only to pick token 0 and to project keys and values: the residual
        // and everything after it run on the first token alone.
        const m = parseModel(concat(fused.chunks));
        const gather = m.nodes.find((n) => n.name.endsWith("/first_token"));
        assert.ok(gather, "no first-token Gather");
        const readers = m.nodes.filter((n) => n.inputs.includes(gather.inputs[0]));
        assert.deepEqual(readers.map((n) => n.outputs[0].split("/").at(-1)).sort(), [
          "first_token",
          "k_matmul",
          "v_matmul",
        ]);
      }
      const diff = await maxDifference(original, concat(fused.chunks), config(name).vocab_size);
      assert.ok(diff <= 1e-4, `max difference ${diff}`);
    });
  }

  it("reads a Node Buffer as well as a Uint8Array (Buffer#slice is a view, not a copy)", async () => {
    const original = readFileSync(fixturePath("tiny-bert-cross-encoder", "onnx/model.onnx"));
    const fused = fuseEncoderGraph(original);
    assert.ok(fused);
    const diff = await maxDifference(
      new Uint8Array(original),
      concat(fused.chunks),
      config("tiny-bert-cross-encoder").vocab_size,
    );
    assert.ok(diff <= 1e-4, `max difference ${diff}`);
  });

  it("FlashRank's TinyBERT export fuses too", () => {
    const fused = fuseEncoderGraph(
      bytesOf("tiny-flashrank", "ms-marco-TinyBERT-L-2-v2/flashrank-TinyBERT-L-2-v2.onnx"),
    );
    assert.equal(fused?.attention, 2);
  });

  it("graphs that are not BERT-style self-attention are left alone (T5, a causal LM, a quantised graph)", () => {
    for (const [name, file] of [
      ["tiny-monot5", "onnx/encoder_model.onnx"],
      ["tiny-monot5", "onnx/decoder_model.onnx"],
      ["tiny-mxbai-v2", "onnx/model.onnx"],
      ["minilm-l6-h384-random", "onnx/model_quantized.onnx"],
    ])
      assert.equal(fuseEncoderGraph(bytesOf(name, file)), undefined, `${name}/${file}`);
  });

  /** tiny-bert with every scalar Constant node whose value passes `pick` set to `value`. */
  function withConstant(pick: (value: number) => boolean, value: number): Uint8Array {
    const m = parseModel(bytesOf("tiny-bert-cross-encoder", "onnx/model.onnx"));
    const g = indexGraph(m);
    const targets = m.nodes.filter(
      (n) => n.opType === "Constant" && pick(scalar(constantTensor(m, g, n.outputs[0])) ?? Number.NaN),
    );
    assert.ok(targets.length > 0, "no constant matched");
    for (const n of targets) {
      n.attributes = new Map([["value_float", { f: value }]]);
      n.encoded = undefined;
    }
    return concat(serializeModel(m));
  }

  it("a scale other than 1/√d becomes the Attention node's scale attribute, with the same outputs", async () => {
    const head =
      config("tiny-bert-cross-encoder").hidden_size / config("tiny-bert-cross-encoder").num_attention_heads;
    const modified = withConstant((v) => Math.abs(v - Math.sqrt(head)) < 1e-6, 2.5);
    const fused = fuseEncoderGraph(modified);
    assert.ok(fused);
    const attention = parseModel(concat(fused.chunks)).nodes.filter((n) => n.opType.endsWith("Attention"));
    assert.deepEqual(
      attention.map((n) => n.opType),
      ["Attention", "MultiHeadAttention"],
    );
    for (const n of attention) assert.deepEqual(n.attributes.get("scale"), { f: Math.fround(1 / 2.5) });
    const diff = await maxDifference(
      modified,
      concat(fused.chunks),
      config("tiny-bert-cross-encoder").vocab_size,
    );
    assert.ok(diff <= 1e-4, `max difference ${diff}`);
  });

  it("a mask term that is not (1 − mask) × a large negative number is not fused", () => {
    const modified = withConstant((v) => v <= -1e4, -1);
    assert.equal(fuseEncoderGraph(modified), undefined);
  });
});

describe("fused model cache", () => {
  const model = fixturePath("tiny-bert-cross-encoder", "onnx/model.onnx");

  it("writes the fused copy once and reuses it", async () => {
    const dir = join(tmp, "cache");
    const first = await fusedModelPath(model, dir);
    assert.ok(first.startsWith(dir) && first.endsWith(".onnx"), first);
    const written = statSync(first).mtimeMs;
    assert.equal(await fusedModelPath(model, dir), first);
    assert.equal(statSync(first).mtimeMs, written);
    assert.ok(opTypes(new Uint8Array(readFileSync(first))).includes("Attention"));
  });

  it("a graph with nothing to fuse keeps its path (and is read once)", async () => {
    const dir = join(tmp, "cache-none");
    const t5 = fixturePath("tiny-monot5", "onnx/encoder_model.onnx");
    assert.equal(await fusedModelPath(t5, dir), t5);
    assert.equal(await fusedModelPath(t5, dir), t5);
  });

  it("RERANKERS_GRAPH_FUSION=0 turns it off; an unwritable cache falls back to the original", async () => {
    const saved = process.env.RERANKERS_GRAPH_FUSION;
    process.env.RERANKERS_GRAPH_FUSION = "0";
    try {
      assert.equal(await fusedModelPath(model, join(tmp, "off")), model);
    } finally {
      if (saved === undefined) delete process.env.RERANKERS_GRAPH_FUSION;
      else process.env.RERANKERS_GRAPH_FUSION = saved;
    }
    const notADir = join(tmp, "a-file");
    writeFileSync(notADir, "");
    assert.equal(await fusedModelPath(model, notADir), model);
  });
});
