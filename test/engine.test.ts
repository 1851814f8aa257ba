import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { AbortedError, InvalidInputError, ModelFilesError } from "../src/core/errors.js";
import "../src/core/families.js";
import { Reranker } from "../src/core/reranker.js";
import { planBatches, scoreInBatches } from "../src/engine/batching.js";
import {
  findOnnxFile,
  modelMaxLength,
  onnxFileName,
  parseDtype,
  readModelFolder,
} from "../src/engine/model-files.js";
import { int64Matrix, openSession, type TensorInput } from "../src/engine/onnx.js";
import { crc32 } from "../src/engine/zip.js";
import { assertMatchesCase, type RefCase } from "./helpers/engine-parity.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const tmp: string[] = [];
after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe("model files", () => {
  test("dtype -> file name, as Optimum/transformers.js name them", () => {
    assert.equal(onnxFileName("model", "fp32"), "onnx/model.onnx");
    assert.equal(onnxFileName("model", "q8"), "onnx/model_quantized.onnx");
    assert.equal(onnxFileName("model", "fp16"), "onnx/model_fp16.onnx");
    assert.equal(onnxFileName("decoder_model_merged", "q4"), "onnx/decoder_model_merged_q4.onnx");
    assert.equal(parseDtype(undefined), "auto");
    assert.equal(parseDtype("quantized"), "q8");
    assert.throws(() => parseDtype("fp8"), InvalidInputError);
  });

  test("findOnnxFile picks the variant and lists what is present when absent", async () => {
    const dir = fixturePath("minilm-l6-h384-random");
    assert.equal(await findOnnxFile(dir, "model", "q8"), join(dir, "onnx", "model_quantized.onnx"));
    await assert.rejects(findOnnxFile(dir, "model", "fp16"), (e: unknown) => {
      assert.ok(e instanceof ModelFilesError);
      assert.match(e.message, /onnx\/model\.onnx, onnx\/model_quantized\.onnx/);
      return true;
    });
  });

  test("max length from tokenizer_config, else max_position_embeddings (RoBERTa offset)", async () => {
    const folder = await readModelFolder(fixturePath("tiny-xlm-roberta-cross-encoder"));
    assert.equal(modelMaxLength(folder), 512);
    assert.equal(modelMaxLength({ ...folder, tokenizerConfig: { model_max_length: 1e30 } }), 512);
    const bert = {
      ...folder,
      tokenizerConfig: {},
      config: { model_type: "bert", max_position_embeddings: 256 },
    };
    assert.equal(modelMaxLength(bert), 256);
  });

  test("missing folder and corrupt JSON are ModelFilesError", async () => {
    await assert.rejects(readModelFolder("/nonexistent/model"), ModelFilesError);
    const dir = mkdtempSync(join(tmpdir(), "rerankers-engine-"));
    tmp.push(dir);
    writeFileSync(join(dir, "config.json"), "[1, 2]");
    await assert.rejects(readModelFolder(dir), /config\.json/);
  });
});

describe("batching", () => {
  test("plans cover every index once, longest first, within the token budget", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 50; trial++) {
      const lengths = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => 1 + Math.floor(rand() * 600));
      const budget = 64 + Math.floor(rand() * 4000);
      const maxBatch = 1 + Math.floor(rand() * 20);
      const batches = planBatches(lengths, budget, maxBatch);
      const seen = batches.flat().sort((a, b) => a - b);
      assert.deepEqual(
        seen,
        lengths.map((_, i) => i),
      );
      let previous = Number.POSITIVE_INFINITY;
      for (const b of batches) {
        const widths = b.map((i) => lengths[i]);
        assert.ok(b.length <= maxBatch);
        assert.ok(b.length === 1 || Math.max(...widths) * b.length <= budget);
        assert.ok(Math.max(...widths) <= previous);
        previous = Math.min(...widths);
      }
    }
  });

  test("scores go back to input order; progress; abort between batches", async () => {
    const lengths = [5, 50, 20, 20, 1, 300];
    const scores = await scoreInBatches(lengths, { tokenBudget: 60 }, async (idx) => idx.map((i) => i * 10));
    assert.deepEqual([...scores], [0, 10, 20, 30, 40, 50]);

    const controller = new AbortController();
    let calls = 0;
    await assert.rejects(
      scoreInBatches(
        lengths,
        { maxBatchSize: 1, signal: controller.signal, progress: () => controller.abort() },
        async (idx) => {
          calls++;
          return idx.map(() => 0);
        },
      ),
      AbortedError,
    );
    assert.equal(calls, 1);
  });
});

describe("ONNX sessions", () => {
  const model = join(fixturePath("tiny-bert-cross-encoder"), "onnx", "model.onnx");
  const feeds = (ids: number[][]): Record<string, TensorInput> => {
    const width = Math.max(...ids.map((r) => r.length));
    return {
      input_ids: int64Matrix(ids, 0, width),
      attention_mask: int64Matrix(
        ids.map((r) => r.map(() => 1)),
        0,
        width,
      ),
      token_type_ids: int64Matrix(
        ids.map((r) => r.map(() => 0)),
        0,
        width,
      ),
    };
  };

  test("int64Matrix right-pads", () => {
    const m = int64Matrix([[1, 2, 3], [4]], 9);
    assert.deepEqual(m.dims, [2, 3]);
    assert.deepEqual([...m.data], [1n, 2n, 3n, 4n, 9n, 9n]);
  });

  test("one shared session per file; concurrent runs equal sequential runs", async () => {
    const a = await openSession(model, { threads: 1 });
    const b = await openSession(model, { threads: 1 });
    try {
      assert.deepEqual(
        a.inputs.map((i) => i.name),
        ["input_ids", "attention_mask", "token_type_ids"],
      );
      const rows = Array.from({ length: 6 }, (_, k) => [
        101,
        ...Array.from({ length: 5 + k * 7 }, (_, j) => 200 + ((j * 31 + k) % 1500)),
        102,
      ]);
      const sequential: number[] = [];
      for (const r of rows) sequential.push((await a.run(feeds([r]))).logits.data[0]);
      const concurrent = await Promise.all(rows.map((r, k) => (k % 2 ? a : b).run(feeds([r]))));
      concurrent.forEach((out, k) => {
        assert.ok(Math.abs(out.logits.data[0] - sequential[k]) < 1e-5);
      });
    } finally {
      await a.close();
      await b.close();
      await a.close();
    }
  });

  test("a corrupt model is a ModelFilesError, in process and in a worker", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rerankers-engine-"));
    tmp.push(dir);
    const bad = join(dir, "bad.onnx");
    writeFileSync(bad, "garbage");
    await assert.rejects(openSession(bad), ModelFilesError);
    await assert.rejects(openSession(bad, { worker: true }), ModelFilesError);
  });
});

describe("worker mode", () => {
  test("same scores as reference.json through Reranker({ worker: true })", async () => {
    const cases: RefCase[] = readReference("tiny-monobert").cases;
    const r = await Reranker(fixturePath("tiny-monobert"), { modelType: "cross-encoder", worker: true });
    try {
      for (const c of cases) assertMatchesCase(await r.rank(c.query, c.docs), c);
    } finally {
      await r.close();
    }
  });

  test("the event loop keeps ticking while a worker runs inference", async () => {
    const dir = fixturePath("minilm-l6-h384-random");
    const r = await Reranker(dir, { modelType: "cross-encoder", worker: true, threads: 1 });
    try {
      const doc = "The president spoke about the economy, inflation, jobs and the war in Ukraine. ".repeat(
        25,
      );
      const docs = Array.from({ length: 6 }, (_, i) => `${i} ${doc}`);
      await r.rank("warmup", docs.slice(0, 1));
      const stamps: number[] = [];
      const timer = setInterval(() => stamps.push(performance.now()), 2);
      const t0 = performance.now();
      await r.rank("What did the president say about inflation?", docs);
      const elapsed = performance.now() - t0;
      clearInterval(timer);
      let maxGap = 0;
      for (let i = 1; i < stamps.length; i++) maxGap = Math.max(maxGap, stamps[i] - stamps[i - 1]);
      if (process.env.DEBUG_ENGINE) console.log({ ticks: stamps.length, maxGap, elapsed });
      // Loose on purpose (shared 2-core machines): the loop must tick many times and never stall for most of the run.
      assert.ok(stamps.length >= 5, `only ${stamps.length} ticks in ${elapsed.toFixed(0)} ms`);
      assert.ok(
        maxGap < Math.max(100, elapsed * 0.5),
        `max gap ${maxGap.toFixed(0)} ms in a ${elapsed.toFixed(0)} ms run`,
      );
    } finally {
      await r.close();
    }
  });
});

test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});
