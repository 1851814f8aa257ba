/**
 * The parts of the browser build that need no browser: model URLs, fetching model files (against a local static
 * server), and the guarantee that the Node path never loads onnxruntime-web.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type StaticServer, startStaticServer } from "../scripts/serve-browser.js";
import { fetchFirstBytes, fetchJson } from "../src/browser/fetch-files.js";
import { modelBaseUrl } from "../src/browser/model-url.js";
import { InvalidInputError, ModelFilesError, NetworkError } from "../src/core/errors.js";
import { runNode } from "./helpers/cli.js";
import { type RefCase, TOL } from "./helpers/engine-parity.js";
import { FIXTURES, fixturePath, REPO_ROOT, readReference } from "./helpers/fixtures.js";

describe("modelBaseUrl", () => {
  test("a Hub repo id becomes its resolve/<revision>/ folder", () => {
    assert.equal(
      modelBaseUrl("cross-encoder/ms-marco-MiniLM-L6-v2"),
      "https://huggingface.co/cross-encoder/ms-marco-MiniLM-L6-v2/resolve/main/",
    );
    assert.equal(
      modelBaseUrl("org/m", { revision: "v1.0", endpoint: "https://hf-mirror.example/" }),
      "https://hf-mirror.example/org/m/resolve/v1.0/",
    );
  });
  test("URLs and paths are folders (trailing slash added), relative ones against the page", () => {
    assert.equal(modelBaseUrl("https://cdn.example/models/x"), "https://cdn.example/models/x/");
    assert.equal(
      modelBaseUrl("./models/x", {}, "http://127.0.0.1:1/app/index.html"),
      "http://127.0.0.1:1/app/models/x/",
    );
    assert.equal(modelBaseUrl("/models/x/", {}, "http://127.0.0.1:1/app/"), "http://127.0.0.1:1/models/x/");
  });
  test("an empty or unusable name is InvalidInputError", () => {
    assert.throws(() => modelBaseUrl("  "), InvalidInputError);
    assert.throws(() => modelBaseUrl("models/x/y"), InvalidInputError);
  });
});

describe("fetching model files", () => {
  let server: StaticServer;
  let base: string;
  before(async () => {
    server = await startStaticServer(FIXTURES);
    base = `${server.url}tiny-bert-cross-encoder/`;
  });
  after(() => server.close());

  test("JSON files: required ones must exist, optional ones may be absent", async () => {
    const config = await fetchJson(base, "config.json", true, {});
    assert.equal(config.num_labels ?? 1, readReference("tiny-bert-cross-encoder").num_labels);
    assert.deepEqual(await fetchJson(base, "no-such.json", false, {}), {});
    await assert.rejects(fetchJson(base, "no-such.json", true, {}), (e: unknown) => {
      assert.ok(e instanceof ModelFilesError);
      assert.match(e.message, /has no no-such\.json \(404\)$/);
      return true;
    });
    await assert.rejects(fetchJson(base, "README.md", true, {}), ModelFilesError);
  });

  test("the first ONNX candidate that exists is fetched", async () => {
    const got = await fetchFirstBytes(base, ["onnx/model_fp16.onnx", "onnx/model.onnx"], {});
    assert.equal(got.url, `${base}onnx/model.onnx`);
    assert.equal(got.bytes.length, (await (await fetch(got.url)).arrayBuffer()).byteLength);
    await assert.rejects(fetchFirstBytes(base, ["a.onnx", "b.onnx"], {}), /has none of a\.onnx, b\.onnx$/);
  });

  test("server errors are NetworkError; the token is sent but never reported", async () => {
    const seen: (string | undefined)[] = [];
    const failing = async (_url: string, init?: { headers?: Record<string, string> }) => {
      seen.push(init?.headers?.authorization);
      return new Response("oops", { status: 500 });
    };
    await assert.rejects(
      fetchJson(base, "config.json", true, { fetch: failing, token: "hf_secret" }),
      (e) => {
        assert.ok(e instanceof NetworkError);
        assert.doesNotMatch(`${e.message} ${JSON.stringify(e)}`, /hf_secret/);
        return true;
      },
    );
    assert.deepEqual(seen, ["Bearer hf_secret"]);
  });
});

test("the Node cross-encoder path never loads onnxruntime-web (and still matches reference.json)", async () => {
  const hook = `export async function resolve(s, c, next) {
    if (s === "onnxruntime-web" || s.startsWith("onnxruntime-web/")) throw new Error("onnxruntime-web was loaded");
    return next(s, c);
  }`;
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const c: RefCase = readReference("tiny-bert-cross-encoder").cases[0];
  const script = `
    import { Reranker } from "./src/index.ts";
    const r = await Reranker(${JSON.stringify(fixturePath("tiny-bert-cross-encoder"))}, { modelType: "cross-encoder" });
    const res = await r.rank(${JSON.stringify(c.query)}, ${JSON.stringify(c.docs)});
    console.log(JSON.stringify(res.results.map((x) => [x.docId, x.score])));
    await r.close();`;
  const run = await runNode([
    "--import",
    `data:text/javascript,${encodeURIComponent(register)}`,
    "--import",
    "tsx",
    "--input-type=module",
    "-e",
    script,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const got: [number, number][] = JSON.parse(run.stdout);
  assert.deepEqual(
    got.map(([id]) => id),
    c.ranking,
  );
  for (const [id, score] of got) assert.ok(Math.abs(score - c.scores[id]) <= TOL);
});

test("a bundler given `rerankers/browser` (package export + browser field) needs no Node built-in", {
  skip: existsSync(join(REPO_ROOT, "dist/browser/index.js")) ? false : "dist/ not built (npm run build)",
}, async () => {
  const { build } = await import("esbuild");
  const result = await build({
    stdin: { contents: 'export { loadCrossEncoder } from "rerankers/browser";', resolveDir: REPO_ROOT },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    outdir: join(REPO_ROOT, "dist-browser-check"),
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.includes("dist/browser/cross-encoder.js"));
  // The Node-only modules reached through lazy imports are replaced by empty ones.
  for (const m of ["model-files", "onnx", "tokenizer-files"]) {
    assert.ok(inputs.includes(`(disabled):dist/engine/${m}.js`), m);
    assert.ok(!inputs.includes(`dist/engine/${m}.js`), m);
  }
  assert.ok(!inputs.some((i) => i.includes("onnxruntime-node") || i.includes("worker.js")));
});
