import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AbortedError, ModelFilesError } from "../src/core/errors.js";
import "../src/core/families.js";
import type { Ranker } from "../src/core/ranker.js";
import { Reranker } from "../src/core/reranker.js";
import { assertMatchesCase, assertTokenIds, type RefCase, TOL } from "./helpers/engine-parity.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";

const TINY = ["tiny-bert-cross-encoder", "tiny-monobert", "tiny-xlm-roberta-cross-encoder"];
const tmp: string[] = [];
after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rerankers-ce-"));
  tmp.push(d);
  return d;
}

async function withRanker<T>(
  model: string,
  options: Record<string, unknown>,
  fn: (r: Ranker) => Promise<T>,
): Promise<T> {
  const r = await Reranker(model, { modelType: "cross-encoder", ...options });
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

for (const name of TINY) {
  describe(`cross-encoder parity: ${name}`, () => {
    const ref = readReference(name);
    const cases: RefCase[] = ref.cases;

    test("token ids equal the Rust tokenizer's", async () => {
      await assertTokenIds(fixturePath(name), cases);
    });

    test("scores, ranking, docIds and metadata match reference.json", async () => {
      await withRanker(fixturePath(name), {}, async (r) => {
        for (const c of cases) assertMatchesCase(await r.rank(c.query, c.docs), c);
      });
    });

    test("batched equals unbatched (batchSize 1) and one-by-one score()", async () => {
      await withRanker(fixturePath(name), {}, async (r) => {
        const c = cases.find((x) => x.name === "many-docs-45") ?? cases[0];
        const batched = await r.rank(c.query, c.docs);
        const single = await r.rank(c.query, c.docs, { batchSize: 1 });
        for (const doc of c.docs) {
          assert.ok(
            Math.abs((batched.scoreOf(doc.docId) as number) - (single.scoreOf(doc.docId) as number)) <= TOL,
          );
        }
        const one = await r.score(c.query, c.docs[0].text);
        assert.ok(Math.abs(one - c.scores[0]) <= TOL);
      });
    });
  });
}

describe("cross-encoder: minilm-l6-h384-random (kept small)", () => {
  const name = "minilm-l6-h384-random";
  const ref = readReference(name);
  const cases: RefCase[] = ref.cases.filter((c: RefCase) =>
    ["plain-english", "edge-docs", "long-doc-truncation"].includes(c.name),
  );

  test("token ids and scores match reference.json", async () => {
    await assertTokenIds(fixturePath(name), cases);
    await withRanker(fixturePath(name), {}, async (r) => {
      for (const c of cases) assertMatchesCase(await r.rank(c.query, c.docs), c);
    });
  });

  test("q8 variant loads and ranks close to fp32", async () => {
    const c = cases[0];
    await withRanker(fixturePath(name), { dtype: "q8" }, async (r) => {
      const res = await r.rank(c.query, c.docs);
      assert.equal(res.length, c.docs.length);
      for (const doc of c.docs) assert.ok(Number.isFinite(res.scoreOf(doc.docId)));
    });
  });
});

describe("cross-encoder behaviour", () => {
  const name = "tiny-bert-cross-encoder";
  const cases: RefCase[] = readReference(name).cases;
  const long = cases.find((c) => c.name === "long-doc-truncation") as RefCase;

  test("truncated pairs are flagged", async () => {
    await withRanker(fixturePath(name), {}, async (r) => {
      const res = await r.rank(long.query, long.docs);
      const truncated = new Set(res.results.filter((x) => x.flags.truncated).map((x) => x.docId));
      long.docs.forEach((d, i) => {
        const cut = long.input_ids[i].length >= 512;
        assert.equal(truncated.has(d.docId), cut, `${String(d.docId)} truncated`);
      });
      assert.ok(truncated.size > 0);
    });
  });

  test("sigmoid option maps scores to (0, 1) monotonically", async () => {
    const c = cases[0];
    await withRanker(fixturePath(name), { sigmoid: true }, async (r) => {
      const res = await r.rank(c.query, c.docs);
      c.docs.forEach((d, i) => {
        assert.ok(Math.abs((res.scoreOf(d.docId) as number) - 1 / (1 + Math.exp(-c.scores[i]))) <= TOL);
      });
    });
  });

  test("abort via signal stops between batches", async () => {
    const c = cases.find((x) => x.name === "many-docs-45") as RefCase;
    await withRanker(fixturePath(name), {}, async (r) => {
      const controller = new AbortController();
      let seen = 0;
      await assert.rejects(
        r.rank(c.query, c.docs, {
          batchSize: 1,
          signal: controller.signal,
          onProgress: (p) => {
            seen = p.done;
            if (p.done >= 3) controller.abort();
          },
        }),
        AbortedError,
      );
      assert.equal(seen, 3);
    });
  });

  test("progress is reported up to the total", async () => {
    const c = cases.find((x) => x.name === "many-docs-45") as RefCase;
    await withRanker(fixturePath(name), {}, async (r) => {
      const done: number[] = [];
      await r.rank(c.query, c.docs, { batchSize: 8, onProgress: (p) => done.push(p.done) });
      assert.equal(done.at(-1), c.docs.length);
      assert.ok(done.length >= 6);
    });
  });

  test("empty strings, very long documents, CJK, emoji and combining marks score fine", async () => {
    const docs = [
      "",
      " ",
      "word ".repeat(5000),
      "我们在北京的咖啡馆见面",
      "🙂👍🏽 👩‍👩‍👧",
      "e\u0301\u0302 n\u0303 a\u0308",
    ];
    await withRanker(fixturePath("tiny-xlm-roberta-cross-encoder"), {}, async (r) => {
      const res = await r.rank("query ü 東京", docs);
      assert.equal(res.length, docs.length);
      for (const x of res) assert.ok(Number.isFinite(x.score));
      assert.equal(res.resultOf(2)?.flags.truncated, true);
    });
  });

  test("concurrent rank calls on one ranker give the reference scores", async () => {
    await withRanker(fixturePath(name), {}, async (r) => {
      const all = await Promise.all(cases.map((c) => r.rank(c.query, c.docs)));
      all.forEach((res, i) => {
        assertMatchesCase(res, cases[i]);
      });
    });
  });
});

describe("cross-encoder: bad model files are typed errors", () => {
  const src = fixturePath("tiny-bert-cross-encoder");

  test("missing folder", async () => {
    await assert.rejects(Reranker(join(tempDir(), "nope"), { modelType: "cross-encoder" }), ModelFilesError);
  });

  test("wrong dtype names the variants present", async () => {
    await assert.rejects(Reranker(src, { modelType: "cross-encoder", dtype: "q4" }), (e: unknown) => {
      assert.ok(e instanceof ModelFilesError);
      assert.match(e.message, /model_q4\.onnx/);
      assert.match(e.message, /onnx\/model\.onnx/);
      assert.equal(e.exitCode, 3);
      return true;
    });
  });

  test("corrupt ONNX file", async () => {
    const dir = tempDir();
    cpSync(src, dir, { recursive: true });
    writeFileSync(join(dir, "onnx", "model.onnx"), "not a protobuf at all");
    await assert.rejects(Reranker(dir, { modelType: "cross-encoder" }), ModelFilesError);
  });

  test("missing tokenizer.json / corrupt config.json", async () => {
    const dir = tempDir();
    cpSync(src, dir, { recursive: true });
    rmSync(join(dir, "tokenizer.json"));
    await assert.rejects(Reranker(dir, { modelType: "cross-encoder" }), ModelFilesError);
    const dir2 = tempDir();
    cpSync(src, dir2, { recursive: true });
    writeFileSync(join(dir2, "config.json"), "{ nope");
    await assert.rejects(Reranker(dir2, { modelType: "cross-encoder" }), /config\.json/);
  });

  test("a folder that is not a cross-encoder (ColBERT encoder)", async () => {
    await assert.rejects(
      Reranker(fixturePath("tiny-colbert"), { modelType: "cross-encoder" }),
      (e: unknown) => {
        assert.ok(e instanceof ModelFilesError);
        assert.match(e.message, /not a cross-encoder/);
        return true;
      },
    );
  });

  test("onnxFile names a file directly", async () => {
    const dir = tempDir();
    cpSync(src, dir, { recursive: true });
    copyFileSync(join(dir, "onnx", "model.onnx"), join(dir, "custom.onnx"));
    rmSync(join(dir, "onnx"), { recursive: true });
    const c: RefCase = readReference("tiny-bert-cross-encoder").cases[0];
    await withRanker(dir, { onnxFile: "custom.onnx" }, async (r) =>
      assertMatchesCase(await r.rank(c.query, c.docs), c),
    );
  });
});

describe("cross-encoder from a Hub id (local mock Hub)", () => {
  let hub: MockHub;
  const saved = {
    HF_ENDPOINT: process.env.HF_ENDPOINT,
    HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE,
    HF_TOKEN: process.env.HF_TOKEN,
  };
  before(async () => {
    for (const k of Object.keys(saved)) delete process.env[k];
    hub = await startMockHub({ repos: { "org/tiny-ce": fixturePath("tiny-monobert") } });
  });
  after(async () => {
    await hub.close();
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  });

  test("downloads the dtype's files, then works offline from the cache", async () => {
    const c: RefCase = readReference("tiny-monobert").cases[0];
    const cacheDir = tempDir();
    await withRanker("org/tiny-ce", { endpoint: hub.url, cacheDir }, async (r) =>
      assertMatchesCase(await r.rank(c.query, c.docs), c),
    );
    assert.ok(hub.count("onnx/model.onnx") >= 1);
    await withRanker("org/tiny-ce", { endpoint: hub.url, cacheDir, offline: true }, async (r) =>
      assertMatchesCase(await r.rank(c.query, c.docs), c),
    );
    await assert.rejects(
      Reranker("org/tiny-ce", { modelType: "cross-encoder", endpoint: hub.url, cacheDir, dtype: "q8" }),
      ModelFilesError,
    );
  });
});
