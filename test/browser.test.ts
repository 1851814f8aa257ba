/**
 * The browser build in a real headless Chromium: the demo page (bundled by scripts/build-browser.ts) loads the
 * shared fixture models from a local static server and must give reference.json's order and scores under WASM;
 * the hosted providers run over the page's fetch. The page is loaded once (onnxruntime-web starts once).
 * Skips only when no chromium binary exists (CI installs Debian's `chromium`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildBrowser } from "../scripts/build-browser.js";
import { findChromium, launchChromium } from "../scripts/chromium.js";
import { type StaticServer, startStaticServer } from "../scripts/serve-browser.js";
import type { RankedResultsJSON } from "../src/core/results.js";
import { RankedResults } from "../src/core/results.js";
import { assertMatchesCase, type RefCase, TOL } from "./helpers/engine-parity.js";
import { FIXTURES, readReference } from "./helpers/fixtures.js";
import { type ProviderServer, relevanceTable, startProviderServer } from "./helpers/provider-server.js";

const CHROMIUM = findChromium();
const FIXTURE_MODELS = ["tiny-bert-cross-encoder", "tiny-monobert", "tiny-xlm-roberta-cross-encoder"];
const KEY = "browser-test-key";

/** What the demo page (web/demo.ts) exposes, seen from this file, which has no DOM types. */
interface DemoPage {
  rerankers?: typeof import("../src/browser/index.js");
  demo: { timings: unknown[] };
  document: { querySelector(selector: string): unknown };
}

describe("browser build in headless Chromium (onnxruntime-web, WASM)", {
  skip: CHROMIUM ? false : "no chromium binary (install Debian's chromium or set CHROMIUM_PATH)",
  timeout: 300_000,
}, () => {
  let outDir: string;
  let server: StaticServer;
  let provider: ProviderServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    outDir = mkdtempSync(join(tmpdir(), "rerankers-browser-"));
    await buildBrowser(outDir);
    provider = await startProviderServer({
      wire: "cohere",
      apiKey: KEY,
      relevance: relevanceTable(["alpha", "beta", "gamma", "delta"]),
    });
    server = await startStaticServer(outDir, { "/models/": FIXTURES }, 0, { "/cohere/": provider.url });
    browser = await launchChromium(CHROMIUM!);
    page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}?model=models/tiny-bert-cross-encoder/&device=wasm&threads=2`);
    await page.waitForFunction(() => (globalThis as unknown as DemoPage).rerankers !== undefined, null, {
      timeout: 30_000,
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  async function clickRank(): Promise<string> {
    const before = await page.evaluate(() => (globalThis as unknown as DemoPage).demo.timings.length);
    await page.click("#rank");
    await page.waitForFunction(
      (n) => {
        const g = globalThis as unknown as DemoPage;
        return g.demo.timings.length > n || g.document.querySelector("#status.error") !== null;
      },
      before,
      { timeout: 120_000 },
    );
    return (await page.textContent("#status")) ?? "";
  }

  test("the demo page ranks pasted passages: reference.json's order and scores", async () => {
    const c: RefCase = readReference("tiny-bert-cross-encoder").cases.find(
      (x: RefCase) => x.name === "plain-english",
    );
    assert.ok(c.docs.every((d) => !d.text.includes("\n") && d.text.trim() !== ""));
    await page.fill("#query", c.query);
    await page.fill("#passages", c.docs.map((d) => d.text).join("\n"));
    const status = await clickRank();
    assert.match(
      status,
      /^8 passages ranked in \d+ ms \(model loaded in \d+ ms\) on wasm, 2 thread\(s\), rewritten graph; cross-origin isolated: yes$/,
    );
    const rows = await page.$$eval("#results tbody tr", (trs) =>
      trs.map((tr) => ({
        index: Number(tr.getAttribute("data-index")),
        shown: Number(tr.querySelector("td.score")?.textContent),
        text: tr.lastElementChild?.textContent,
      })),
    );
    // Passages pasted in reference order: line i is docId i.
    assert.deepEqual(
      rows.map((r) => r.index),
      c.ranking,
    );
    for (const r of rows) {
      assert.ok(
        Math.abs(r.shown - c.scores[r.index]) <= TOL,
        `line ${r.index}: ${r.shown} vs ${c.scores[r.index]}`,
      );
      assert.equal(r.text, c.docs[r.index].text);
    }
  });

  for (const name of FIXTURE_MODELS) {
    test(`parity under WASM: every case of ${name}, with the graph rewrites and without`, async () => {
      const cases: RefCase[] = readReference(name).cases;
      for (const fuse of [true, false]) {
        const out = await page.evaluate(
          async ({ model, wasmPaths, cases, fuse }) => {
            const lib = (globalThis as unknown as DemoPage).rerankers!;
            const ranker = await lib.loadCrossEncoder(model, { device: "wasm", wasmPaths, fuse });
            try {
              const results = [];
              for (const c of cases) results.push((await ranker.rank(c.query, c.docs)).toJSON());
              return { device: ranker.device, threads: ranker.threads, fused: ranker.fused, results };
            } finally {
              await ranker.close();
            }
          },
          {
            model: `${server.url}models/${name}/`,
            wasmPaths: `${server.url}ort/`,
            cases: cases.map(({ query, docs }) => ({ query, docs })),
            fuse,
          },
        );
        assert.equal(out.device, "wasm");
        assert.equal(out.threads, 2);
        // Every fixture is a BERT-style encoder whose attention the rewrites fuse (as in Node).
        assert.equal(out.fused, fuse);
        cases.forEach((c, i) => {
          assertMatchesCase(
            RankedResults.fromJSON(out.results[i] as RankedResultsJSON),
            c,
            `${name}/${c.name} (fuse ${fuse})`,
          );
        });
      }
    });
  }

  test("hosted providers run over the page's fetch (cohere through a same-origin proxy)", async () => {
    const got = await page.evaluate(
      async ({ baseUrl, apiKey }) => {
        const lib = (globalThis as unknown as DemoPage).rerankers!;
        const ranker = await lib.hostedRanker(lib.cohere, "rerank-v3.5", { apiKey, baseUrl });
        const results = await ranker.rank("greek letters", ["alpha", "beta", "gamma", "delta"]);
        return results.results.map((r) => [r.text, r.score]);
      },
      { baseUrl: `${server.url}cohere`, apiKey: KEY },
    );
    const table = relevanceTable(["alpha", "beta", "gamma", "delta"]);
    const expected = [...table].sort((a, b) => b[1] - a[1]);
    assert.deepEqual(got, expected);
    assert.equal(provider.requests.length, 1);
    assert.equal(provider.requests[0].path, "/v2/rerank");
    assert.equal(provider.requests[0].headers.authorization, `Bearer ${KEY}`);
  });

  test("a folder without the model shows one ModelFilesError line", async () => {
    await page.fill("#model", "models/no-such-model/");
    const status = await clickRank();
    assert.match(
      status,
      /^ModelFilesError: model folder http:\/\/127\.0\.0\.1:\d+\/models\/no-such-model\/ has no config\.json \(404\)$/,
    );
    assert.deepEqual(pageErrors, []);
  });
});
