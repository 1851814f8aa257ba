import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ModelFilesError } from "../src/core/errors.js";
import { findTensorFile, readSafetensorsHeader, readTensor } from "../src/engine/safetensors.js";
import { f32Bytes, u16Bytes, writeSafetensors } from "./helpers/colbert-safetensors.js";
import { fixturePath } from "./helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "rerankers-safetensors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("safetensors reader", () => {
  it("reads F32, F16 and BF16 tensors by name, with shapes and metadata", async () => {
    const path = join(dir, "mixed.safetensors");
    writeSafetensors(
      path,
      {
        a: { dtype: "F32", shape: [2, 3], bytes: f32Bytes([1, -2, 0.5, 3.25, -0, 1e-3]) },
        // IEEE half: 1.0, -2.0, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0, +inf
        h: {
          dtype: "F16",
          shape: [7],
          bytes: u16Bytes([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00]),
        },
        // bfloat16: 1.0, -2.0, 3.140625
        b: { dtype: "BF16", shape: [3, 1], bytes: u16Bytes([0x3f80, 0xc000, 0x4049]) },
        ids: { dtype: "I64", shape: [1], bytes: new Uint8Array(8) },
      },
      { format: "pt" },
    );
    const header = await readSafetensorsHeader(path);
    assert.deepEqual([...header.tensors.keys()], ["a", "h", "b", "ids"]);
    assert.deepEqual(header.metadata, { format: "pt" });

    const a = await readTensor(header, "a");
    assert.equal(a.dtype, "F32");
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual([...a.data], [1, -2, 0.5, 3.25, -0, Math.fround(1e-3)]);

    const h = await readTensor(path, "h");
    assert.deepEqual([...h.data], [1, -2, 0.5, 65504, 2 ** -24, -0, Number.POSITIVE_INFINITY]);
    assert.ok(Object.is(h.data[5], -0));

    const b = await readTensor(path, "b");
    assert.deepEqual(b.shape, [3, 1]);
    assert.deepEqual([...b.data], [1, -2, 3.140625]);

    await assert.rejects(
      readTensor(header, "ids"),
      (e: unknown) => e instanceof ModelFilesError && /dtype I64/.test(e.message),
    );
    await assert.rejects(
      readTensor(header, "missing"),
      (e: unknown) => e instanceof ModelFilesError && /no tensor "missing"/.test(e.message),
    );
  });

  it("rejects files that are not safetensors with ModelFilesError", async () => {
    const short = join(dir, "short.safetensors");
    writeFileSync(short, Buffer.from([1, 2, 3]));
    await assert.rejects(readSafetensorsHeader(short), ModelFilesError);

    const huge = join(dir, "huge.safetensors");
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(1_000_000n);
    writeFileSync(huge, b);
    await assert.rejects(readSafetensorsHeader(huge), /header length/);

    const notJson = join(dir, "notjson.safetensors");
    const body = Buffer.from("{not json");
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(body.length));
    writeFileSync(notJson, Buffer.concat([len, body]));
    await assert.rejects(readSafetensorsHeader(notJson), /not JSON/);

    const past = join(dir, "past.safetensors");
    const hdr = Buffer.from(JSON.stringify({ x: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }));
    const l2 = Buffer.alloc(8);
    l2.writeBigUInt64LE(BigInt(hdr.length));
    writeFileSync(past, Buffer.concat([l2, hdr, Buffer.alloc(8)]));
    await assert.rejects(readSafetensorsHeader(past), /past the end/);

    const wrongSize = join(dir, "wrongsize.safetensors");
    writeSafetensors(wrongSize, { x: { dtype: "F32", shape: [3], bytes: f32Bytes([1, 2]) } });
    await assert.rejects(readTensor(wrongSize, "x"), /bytes for shape/);

    await assert.rejects(readSafetensorsHeader(join(dir, "absent.safetensors")), ModelFilesError);
  });

  it("finds a tensor in model.safetensors or in the shard named by the index", async () => {
    const single = join(dir, "single");
    const sharded = join(dir, "sharded");
    for (const d of [single, sharded]) rmSync(d, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(single);
    mkdirSync(sharded);
    writeSafetensors(join(single, "model.safetensors"), {
      "linear.weight": { dtype: "F32", shape: [1, 2], bytes: f32Bytes([3, 4]) },
    });
    writeSafetensors(join(sharded, "model-00002-of-00002.safetensors"), {
      "linear.weight": { dtype: "F32", shape: [2, 1], bytes: f32Bytes([5, 6]) },
    });
    writeFileSync(
      join(sharded, "model.safetensors.index.json"),
      JSON.stringify({
        weight_map: {
          "linear.weight": "model-00002-of-00002.safetensors",
          other: "model-00001-of-00002.safetensors",
        },
      }),
    );
    const h1 = await findTensorFile(single, "linear.weight");
    assert.deepEqual([...(await readTensor(h1!, "linear.weight")).data], [3, 4]);
    const h2 = await findTensorFile(sharded, "linear.weight");
    assert.deepEqual((await readTensor(h2!, "linear.weight")).shape, [2, 1]);
    assert.equal(await findTensorFile(single, "nope"), undefined);
    assert.equal(await findTensorFile(join(dir, "no-such-folder"), "linear.weight"), undefined);
  });

  it("reads only linear.weight from the colbert-ir layout fixture (shape as its README says)", async () => {
    const header = await findTensorFile(fixturePath("tiny-colbert-hf-layout"), "linear.weight");
    assert.ok(header);
    assert.ok(header.tensors.has("bert.embeddings.word_embeddings.weight"));
    const w = await readTensor(header, "linear.weight");
    assert.deepEqual(w.shape, [20, 40]);
    assert.equal(w.data.length, 800);
    assert.ok(w.data.every(Number.isFinite));
  });
});
