/**
 * `worker: true` without `threads` or `workers` picks data-parallel 1-thread sessions only when every core's copy
 * of the weights (external data included) fits the memory rule; otherwise one session on every core.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { autoWorkers } from "../src/engine/onnx.js";

const dir = mkdtempSync(join(tmpdir(), "rerankers-auto-workers-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const MB = 1024 * 1024;

describe("autoWorkers", () => {
  it("one session per core when 2 × weights × cores fit in a quarter of the memory", async () => {
    const graph = join(dir, "small.onnx");
    writeFileSync(graph, Buffer.alloc(MB));
    assert.equal(await autoWorkers(graph, 4, 32 * MB), 4); // 2 × 1 MB × 4 = 8 MB = 32 MB / 4
    assert.equal(await autoWorkers(graph, 4, 31 * MB), 1);
    assert.equal(await autoWorkers(graph, 1, 1024 * MB), 1);
  });

  it("counts external data next to the graph (model.onnx_data and model.onnx.data)", async () => {
    for (const suffix of ["_data", ".data"]) {
      const sub = mkdtempSync(join(dir, "ext-"));
      const graph = join(sub, "model.onnx");
      writeFileSync(graph, Buffer.alloc(1024));
      writeFileSync(`${graph}${suffix}`, Buffer.alloc(8 * MB));
      writeFileSync(join(sub, "model_quantized.onnx"), Buffer.alloc(64 * MB)); // another variant: not counted
      assert.equal(await autoWorkers(graph, 2, 40 * MB), 1, suffix); // 2 × 8 MB × 2 = 32 MB > 10 MB
      assert.equal(await autoWorkers(graph, 2, 160 * MB), 2, suffix);
    }
  });
});
