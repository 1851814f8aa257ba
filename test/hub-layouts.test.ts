/**
 * Every catalog entry's real Hub layout, served by the mock Hub from repos built here out of the shared fixtures:
 * `onnx/model.onnx`, root `model.onnx`, external data under both names (`model.onnx_data`, `model.onnx.data`),
 * sentence-transformers' ISA-specific variant names, answerai's `vespa_colbert.onnx`, a q8-only causal LM, a
 * renamed repo; and the export command for every model with no ONNX export anywhere.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CATALOG, type CatalogEntry } from "../src/core/catalog.js";
import { ModelFilesError, NotImplementedError } from "../src/core/errors.js";
import { FAMILY_DEFAULTS } from "../src/core/families.js";
import { Reranker } from "../src/core/reranker.js";
import { resolveModel } from "../src/core/resolve.js";
import { causalBlock, maxAbsDiff, rankCase as rankCausal } from "./helpers/causal-lm-cases.js";
import { runCli } from "./helpers/cli.js";
import { assertMatchesCase, type RefCase, rankCase } from "./helpers/engine-parity.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";
import { writeExternalDataModel } from "./helpers/onnx-external.js";

const ROOT = mkdtempSync(join(tmpdir(), "rerankers-layouts-"));
const REPOS = join(ROOT, "repos");
const OLD_NAME = "cross-encoder/ms-marco-MiniLM-L-6-v2";
const NEW_NAME = "cross-encoder/ms-marco-MiniLM-L6-v2";
const THIRD_PARTY_M3 = "someone/bge-reranker-v2-m3-onnx";
const VESPA_ONLY = "someone/colbert-vespa-only";
const T5_NO_ONNX = "someone/monot5-3b-no-onnx";
const CE_NO_ONNX = "someone/cross-encoder-no-onnx";

/** The fixture whose model files stand in for a family's real weights. */
function fixtureFor(e: CatalogEntry): string {
  if (e.family === "colbert") return "tiny-colbert-hf-layout";
  if (e.family === "qwen3") return "tiny-mxbai-v2";
  return "tiny-bert-cross-encoder";
}

/** Build a repo folder with `files` (repo paths) from `fixture`: metadata linked, graphs linked or rewritten. */
function buildRepo(id: string, fixture: string, files: readonly string[]): string {
  const dir = join(REPOS, id);
  mkdirSync(dir, { recursive: true });
  const src = fixturePath(fixture);
  for (const f of readdirSync(src)) {
    if (f === "onnx" || f === "reference.json" || f === "README.md") continue;
    symlinkSync(join(src, f), join(dir, f));
  }
  const graph = join(src, "onnx", "model.onnx");
  for (const file of files) {
    if (/\.onnx(_data|\.data)$/.test(file) || file === "model.safetensors") continue;
    const dest = join(dir, file);
    mkdirSync(dirname(dest), { recursive: true });
    const source = file === "vespa_colbert.onnx" ? fixturePath("tiny-colbert", "onnx", "model.onnx") : graph;
    const data = files.find((f) => f === `${file}_data` || f === `${file}.data`);
    if (data === undefined) symlinkSync(source, dest);
    else {
      const moved = writeExternalDataModel(source, dest, join(dir, data), basename(data));
      assert.ok(moved > 0, `${id}: initializers moved to ${data}`);
    }
  }
  return dir;
}

const HUB_ENTRIES = CATALOG.filter((e) => e.source !== null && e.family !== "flashrank");
const NO_EXPORT = CATALOG.filter((e) => e.source === null && e.exportTask !== undefined);

let hub: MockHub;
let n = 0;
const cacheDir = () => join(ROOT, `cache-${n++}`);

before(async () => {
  const repos: Record<string, string> = {};
  for (const e of HUB_ENTRIES)
    repos[e.source as string] = buildRepo(e.source as string, fixtureFor(e), e.files);
  repos[THIRD_PARTY_M3] = buildRepo(THIRD_PARTY_M3, "tiny-xlm-roberta-cross-encoder", [
    "model.onnx",
    "model.onnx.data",
  ]);
  repos[VESPA_ONLY] = buildRepo(VESPA_ONLY, "tiny-colbert", ["vespa_colbert.onnx"]);
  repos[T5_NO_ONNX] = buildRepo(T5_NO_ONNX, "tiny-monot5", []);
  repos[CE_NO_ONNX] = buildRepo(CE_NO_ONNX, "tiny-bert-cross-encoder", []);
  hub = await startMockHub({ repos, renamed: { [OLD_NAME]: NEW_NAME } });
});

after(async () => {
  await hub?.close();
  rmSync(ROOT, { recursive: true, force: true });
});

const crossCase = (fixture: string) => (readReference(fixture).cases as RefCase[])[0];

/** Rank the fixture's first reference case with the ranker and check scores and ranking. */
async function assertParity(entry: CatalogEntry, options: Record<string, unknown>) {
  const ranker = await Reranker(entry.name, { endpoint: hub.url, ...options });
  try {
    if (entry.family === "qwen3") {
      const c =
        causalBlock("qwen3").cases.find((x) => x.instruction === null) ?? causalBlock("qwen3").cases[0];
      const { scores, ranking } = await rankCausal(ranker, c);
      assert.ok(maxAbsDiff(scores, c.scores) <= 1e-4, `${entry.name}: ${scores} vs ${c.scores}`);
      assert.deepEqual(ranking, c.ranking);
    } else {
      const c = crossCase(fixtureFor(entry));
      assertMatchesCase(await rankCase(ranker, c), c, entry.name);
    }
  } finally {
    await ranker.close();
  }
}

/** Repo paths of the ONNX-related GETs made since `from`. */
function fetchedGraphs(from: number): string[] {
  return hub.requests
    .slice(from)
    .filter((r) => r.server === "hub" && r.method === "HEAD" && r.status === 302)
    .map((r) => r.path.replace(/^\/.+?\/resolve\/[^/]+\//, ""))
    .filter((p) => /\.onnx/.test(p));
}

describe("every catalog model with an ONNX export loads from its real layout", () => {
  for (const entry of HUB_ENTRIES) {
    test(`${entry.name} (${entry.source}: ${entry.files.join(", ")})`, async () => {
      const from = hub.requests.length;
      const stderr: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => {
        stderr.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        await assertParity(entry, { cacheDir: cacheDir() });
      } finally {
        process.stderr.write = write;
      }
      const graphs = fetchedGraphs(from);
      // Exactly one graph (plus its external data) is downloaded, from the source repo.
      assert.equal(graphs.filter((g) => g.endsWith(".onnx")).length, 1, `${entry.name}: ${graphs}`);
      assert.ok(
        hub.requests.slice(from).every((r) => r.server === "cdn" || r.path.startsWith(`/${entry.source}/`)),
      );
      for (const data of entry.files.filter((f) => /\.onnx(_data|\.data)$/.test(f))) {
        assert.ok(graphs.includes(data), `${entry.name}: external data ${data} fetched`);
      }
      if (!entry.dtypes.includes("fp32")) {
        // No fp32 weights and no dtype asked: the best variant present, said on stderr.
        assert.deepEqual(graphs, ["onnx/model_quantized.onnx"]);
        assert.match(
          stderr.join(""),
          /no fp32 ONNX weights .*; using onnx\/model_quantized\.onnx \(dtype q8\)/,
        );
      } else {
        assert.equal(stderr.join(""), "");
      }
    });
  }

  test("sentence-transformers' variants: dtype q8 downloads one of their 8-bit files and nothing else", async () => {
    const from = hub.requests.length;
    const entry = CATALOG.find((e) => e.name === NEW_NAME) as CatalogEntry;
    await assertParity(entry, { cacheDir: cacheDir(), dtype: "q8" });
    const graphs = fetchedGraphs(from);
    assert.equal(graphs.length, 1);
    assert.match(graphs[0], /^onnx\/model_(qint8_avx512_vnni|qint8_avx512|quint8_avx2|qint8_arm64)\.onnx$/);
  });

  test("a renamed repo: the Hub's relative redirect is followed and the cache keeps the asked name", async () => {
    const dir = cacheDir();
    const entry = CATALOG.find((e) => e.name === NEW_NAME) as CatalogEntry;
    await assertParity({ ...entry, name: OLD_NAME }, { cacheDir: dir });
    assert.ok(hub.requests.some((r) => r.path.startsWith(`/${OLD_NAME}/resolve/`) && r.status === 307));
    assert.ok(existsSync(join(dir, "models--cross-encoder--ms-marco-MiniLM-L-6-v2", "snapshots")));
  });

  test("root model.onnx + model.onnx.data (third-party bge-reranker-v2-m3 exports), then offline", async () => {
    const dir = cacheDir();
    const c = crossCase("tiny-xlm-roberta-cross-encoder");
    const entry = { name: THIRD_PARTY_M3, family: "cross-encoder" } as CatalogEntry;
    const ranker = await Reranker(THIRD_PARTY_M3, { endpoint: hub.url, cacheDir: dir });
    assertMatchesCase(await rankCase(ranker, c), c, entry.name);
    await ranker.close();
    const snapshots = join(dir, "models--someone--bge-reranker-v2-m3-onnx", "snapshots");
    const [commit] = readdirSync(snapshots);
    assert.deepEqual(
      readdirSync(join(snapshots, commit))
        .filter((f) => f.startsWith("model"))
        .sort(),
      ["model.onnx", "model.onnx.data"],
    );
    const before = hub.requests.length;
    const offline = await Reranker(THIRD_PARTY_M3, { cacheDir: dir, offline: true });
    assertMatchesCase(await rankCase(offline, c), c, "offline");
    await offline.close();
    assert.equal(hub.requests.length, before);
    // Without its data file the cached graph is incomplete: offline names the missing file.
    rmSync(join(snapshots, commit, "model.onnx.data"));
    await assert.rejects(
      Reranker(THIRD_PARTY_M3, { cacheDir: dir, offline: true }),
      (e: unknown) => e instanceof ModelFilesError && /model\.onnx\.data/.test(e.message),
    );
  });

  test("a ColBERT repo with only answerai's root vespa_colbert.onnx (projection in the graph)", async () => {
    const ref = readReference("tiny-colbert");
    const ranker = await Reranker(VESPA_ONLY, {
      endpoint: hub.url,
      cacheDir: cacheDir(),
      modelType: "colbert",
    });
    const c = ref.cases[0];
    const res = await ranker.rank(c.query, c.docs);
    c.docs.forEach((d: { docId: string | number }, i: number) => {
      assert.ok(Math.abs((res.scoreOf(d.docId) as number) - c.scores[i]) <= 1e-4);
    });
    await ranker.close();
  });
});

describe("models with no ONNX export anywhere", () => {
  for (const entry of NO_EXPORT) {
    test(`${entry.name}: the export command and how to use it, without touching the network`, async () => {
      const from = hub.requests.length;
      await assert.rejects(
        Reranker(entry.name, { endpoint: hub.url, cacheDir: cacheDir() }),
        (e: unknown) =>
          e instanceof ModelFilesError &&
          e.exitCode === 3 &&
          !e.message.includes("\n") &&
          e.message.includes(`optimum-cli export onnx --model ${entry.name} --task ${entry.exportTask} `) &&
          e.message.includes(`--model-type ${entry.family}`),
      );
      assert.equal(hub.requests.length, from);
    });
  }

  for (const [repo, modelType, task] of [
    [T5_NO_ONNX, "t5", "text2text-generation"],
    [CE_NO_ONNX, "cross-encoder", "text-classification"],
  ] as const) {
    test(`a repo outside the catalog without ONNX weights (${modelType}): the export command for its task`, async () => {
      await assert.rejects(
        Reranker(repo, { endpoint: hub.url, cacheDir: cacheDir(), modelType }),
        (e: unknown) =>
          e instanceof ModelFilesError &&
          !e.message.includes("\n") &&
          e.message.startsWith(`${repo}@main has none of onnx/`) &&
          e.message.includes(
            `optimum-cli export onnx --model ${repo} --task ${task} ./${repo.split("/")[1]}-onnx`,
          ),
      );
    });
  }

  test("bge-reranker-v2-gemma has no local method: a typed error that says what to use instead", async () => {
    await assert.rejects(
      Reranker("BAAI/bge-reranker-v2-gemma"),
      (e: unknown) =>
        e instanceof NotImplementedError && e.exitCode === 3 && /text-embeddings-inference/.test(e.message),
    );
  });
});

describe("family defaults", () => {
  const local = ["cross-encoder", "t5", "upr", "colbert", "pylate", "mxbaiv2", "qwen3"];
  test("every local family default is a catalog model that loads or names its export command", () => {
    for (const family of local) {
      for (const model of Object.values(FAMILY_DEFAULTS[family].defaults)) {
        const entry = CATALOG.find((e) => e.name === model || e.source === model);
        assert.ok(entry, `${family} default ${model} is in the catalog`);
        assert.ok(entry.source !== null || entry.exportTask !== undefined, `${model}: source or export`);
      }
    }
  });

  test("qwen3 resolves to the ONNX repo and loads its q8 export", async () => {
    assert.equal(resolveModel("qwen3").model, "onnx-community/Qwen3-Reranker-0.6B-ONNX");
    const ranker = await Reranker("qwen3", { endpoint: hub.url, cacheDir: cacheDir(), dtype: "q8" });
    assert.equal(ranker.modelType, "qwen3");
    await ranker.close();
  });
});

describe("CLI: models, resolve, download", () => {
  test("models --json lists the catalog with a status per model", async () => {
    const r = await runCli(["models", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as (CatalogEntry & { status: string; exportCommand?: string })[];
    assert.equal(rows.length, CATALOG.length);
    const qwen = rows.find((x) => x.name === "Qwen/Qwen3-Reranker-0.6B");
    assert.equal(qwen?.source, "onnx-community/Qwen3-Reranker-0.6B-ONNX");
    assert.equal(qwen?.status, "ready");
    const monot5 = rows.find((x) => x.name === "castorini/monot5-base-msmarco");
    assert.equal(monot5?.status, "export needed");
    assert.match(
      monot5?.exportCommand ?? "",
      /^optimum-cli export onnx --model castorini\/monot5-base-msmarco /,
    );
  });

  test("resolve shows the source repo", async () => {
    const r = await runCli(["resolve", "Qwen/Qwen3-Reranker-0.6B", "--json"]);
    assert.deepEqual(JSON.parse(r.stdout), {
      modelType: "qwen3",
      model: "Qwen/Qwen3-Reranker-0.6B",
      provider: null,
      runs: "local",
      endpoint: null,
      source: "onnx-community/Qwen3-Reranker-0.6B-ONNX",
    });
  });

  test("download pre-fetches a model (plain lines off a TTY); rank then works offline", async () => {
    const dir = cacheDir();
    const env = { HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: undefined };
    const d = await runCli(["download", "BAAI/bge-reranker-large", "--cache-dir", dir], { env });
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stderr, /^rerankers: downloading onnx\/model\.onnx \(\d+ KB\)$/m);
    assert.match(d.stderr, /^rerankers: downloading onnx\/model\.onnx_data \(\d+ KB\)$/m);
    assert.match(d.stdout, /^ready: BAAI\/bge-reranker-large \(cross-encoder\)$/m);
    const c = crossCase("tiny-bert-cross-encoder");
    const r = await runCli(
      ["rank", "-m", "BAAI/bge-reranker-large", "-q", c.query, "--cache-dir", dir, "--offline", "--json"],
      {
        env: { ...env, HF_ENDPOINT: "http://127.0.0.1:9" },
        input: c.docs.map((x) => JSON.stringify(x)).join("\n"),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).results.map((x: { docId: string }) => x.docId),
      c.ranking,
    );
    const hosted = await runCli(["download", "cohere:rerank-v3.5"]);
    assert.equal(hosted.code, 2);
    const none = await runCli(["download", "t5", "--cache-dir", dir], { env });
    assert.equal(none.code, 3);
    assert.match(
      none.stderr,
      /optimum-cli export onnx --model unicamp-dl\/InRanker-base --task text2text-generation/,
    );
  });
});
