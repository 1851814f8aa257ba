import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ModelFilesError, NotImplementedError } from "../src/core/errors.js";
import "../src/core/families.js";
import { Reranker } from "../src/core/reranker.js";
import { resolveModel } from "../src/core/resolve.js";
import { assertMatchesCase, assertTokenIds, type RefCase } from "./helpers/engine-parity.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";

const NAME = "ms-marco-TinyBERT-L-2-v2";
const FOLDER = fixturePath("tiny-flashrank", NAME);
const ZIP = fixturePath("tiny-flashrank", `${NAME}.zip`);
const cases: RefCase[] = readReference("tiny-flashrank").cases;
const tmp: string[] = [];
let hub: MockHub;

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rerankers-fr-"));
  tmp.push(d);
  return d;
}

before(async () => {
  hub = await startMockHub({ repos: { "flashrank/archives": fixturePath("tiny-flashrank") } });
});
after(async () => {
  await hub.close();
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

async function checkAll(model: string, options: Record<string, unknown>): Promise<void> {
  const r = await Reranker(model, { modelType: "flashrank", ...options });
  try {
    for (const c of cases) assertMatchesCase(await r.rank(c.query, c.docs), c);
  } finally {
    await r.close();
  }
}

describe("flashrank parity with reference.json", () => {
  test("token ids equal the Rust tokenizer's", async () => {
    await assertTokenIds(FOLDER, cases, join(FOLDER, "flashrank-TinyBERT-L-2-v2.onnx"), 512);
  });

  test("local flat folder", async () => {
    await checkAll(FOLDER, { cacheDir: tempDir() });
  });

  test("local .zip (unpacked into the cache)", async () => {
    await checkAll(ZIP, { cacheDir: tempDir() });
  });

  test("FlashRank name downloads the archive from baseUrl, then reuses the cache", async () => {
    assert.equal(resolveModel(NAME.toLowerCase()).modelType, "flashrank");
    const cacheDir = tempDir();
    const baseUrl = `${hub.url}/flashrank/archives/resolve/main`;
    await checkAll(NAME, { cacheDir, baseUrl });
    const fetched = hub.count(`${NAME}.zip`, "GET");
    assert.ok(fetched >= 1);
    await checkAll(NAME, { cacheDir, baseUrl });
    assert.equal(hub.count(`${NAME}.zip`, "GET"), fetched);
  });

  test("batched equals one batch per document", async () => {
    const r = await Reranker(FOLDER, { modelType: "flashrank", cacheDir: tempDir() });
    try {
      const c = cases.find((x) => x.name === "many-docs-45") as RefCase;
      assertMatchesCase(await r.rank(c.query, c.docs, { batchSize: 1 }), c);
    } finally {
      await r.close();
    }
  });
});

describe("flashrank: bad archives and folders are typed errors", () => {
  test("a corrupt zip (flipped byte) fails its CRC check", async () => {
    const bytes = new Uint8Array(readFileSync(ZIP));
    // Flip one byte inside the stored data of the first entry (past its 30-byte local header and name).
    const nameLen = bytes[26] | (bytes[27] << 8);
    bytes[30 + nameLen + 40] ^= 0xff;
    const bad = join(tempDir(), `${NAME}.zip`);
    writeFileSync(bad, bytes);
    await assert.rejects(Reranker(bad, { modelType: "flashrank", cacheDir: tempDir() }), ModelFilesError);
  });

  test("a truncated file is not a zip", async () => {
    const bad = join(tempDir(), `${NAME}.zip`);
    writeFileSync(bad, readFileSync(ZIP).subarray(0, 1000));
    await assert.rejects(Reranker(bad, { modelType: "flashrank", cacheDir: tempDir() }), ModelFilesError);
  });

  test("a folder without the model file lists what is there", async () => {
    const dir = join(tempDir(), NAME);
    cpSync(FOLDER, dir, { recursive: true });
    rmSync(join(dir, "flashrank-TinyBERT-L-2-v2.onnx"));
    await assert.rejects(Reranker(dir, { modelType: "flashrank" }), /flashrank-TinyBERT-L-2-v2\.onnx/);
  });

  test("an unknown name is a ModelFilesError naming the known models", async () => {
    await assert.rejects(Reranker("no-such-flashrank-model", { modelType: "flashrank" }), (e: unknown) => {
      assert.ok(e instanceof ModelFilesError);
      assert.match(e.message, /ms-marco-MiniLM-L-12-v2/);
      return true;
    });
  });

  test("a T5 encoder-decoder export (rank-T5-flan style) is refused with a typed error, not scored", async () => {
    const t5 = fixturePath("tiny-monot5");
    const dir = join(tempDir(), "rank-T5-flan");
    mkdirSync(dir);
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]) {
      copyFileSync(join(t5, f), join(dir, f));
    }
    copyFileSync(join(t5, "onnx", "decoder_model.onnx"), join(dir, "flashrank-rankt5_Q.onnx"));
    await assert.rejects(Reranker(dir, { modelType: "flashrank" }), NotImplementedError);
  });
});

test("flashrank refuses a dtype instead of ignoring it", async () => {
  const dir = fixturePath("tiny-flashrank", "ms-marco-TinyBERT-L-2-v2");
  await assert.rejects(Reranker(dir, { modelType: "flashrank", dtype: "q8" }), /dtype "q8" cannot be chosen/);
  const fp32 = await Reranker(dir, { modelType: "flashrank", dtype: "fp32" });
  await fp32.close();
});
