/**
 * The HTML report in a real headless browser (Debian's chromium driven by playwright-core; no browser download):
 * it loads nothing from the network, runs no script, draws every plot, and shows long labels in full.
 * Needs /usr/bin/chromium (apt-get install -y chromium); skipped without it, except in CI where it fails.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { findChromium, launchChromium } from "../scripts/chromium.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";

/** The parts of a DOM element the page callbacks read (the project compiles without the DOM library). */
interface Box {
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  scrollHeight: number;
  clientHeight: number;
  getBoundingClientRect(): { right: number; width: number; height: number };
  querySelectorAll(selector: string): { length: number };
}

const CHROMIUM = findChromium();
const missing = CHROMIUM === undefined;
if (missing && process.env.CI) throw new Error("chromium is missing: apt-get install -y chromium");

describe("HTML report in headless Chromium", {
  skip: missing ? "chromium not installed (apt-get install -y chromium, or set CHROMIUM_PATH)" : false,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "rerankers-eval-html-"));
  // A model path longer than any fixed-width label column, given twice.
  const longName = join(
    dir,
    `an-exceptionally-long-model-directory-name-${"x".repeat(120)}-that-must-not-be-cut`,
  );
  const reportPath = join(dir, "report.html");
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  before(async () => {
    symlinkSync(fixturePath("tiny-bert-cross-encoder"), longName);
    const r = await runCli(
      [
        "eval",
        "--model",
        longName,
        "--model",
        longName,
        "--model-type",
        "cross-encoder",
        "--dataset",
        join(REPO_ROOT, "examples/beir-sample"),
        "--trials",
        "300",
        "--report",
        reportPath,
      ],
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    browser = await launchChromium(CHROMIUM as string);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (req: { url(): string }) => requests.push(req.url()));
    page.on("console", (msg: { type(): string; text(): string }) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    await page.goto(pathToFileURL(reportPath).href, { waitUntil: "load", timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is self-contained: one request (the file itself), no scripts, no console errors", async () => {
    assert.deepEqual(requests, [pathToFileURL(reportPath).href]);
    assert.equal(await page.locator("script, link, img, iframe").count(), 0);
    assert.deepEqual(consoleErrors, []);
  });

  it("shows long, repeated model names in full and distinct", async () => {
    const labels: { text: string; clipped: boolean; right: number }[] = await page.$$eval(
      ".label",
      (els: Box[]) =>
        els.map((e) => ({
          text: e.textContent ?? "",
          clipped: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1,
          right: e.getBoundingClientRect().right,
        })),
    );
    const withModel = labels.filter((l) => l.text.includes("must-not-be-cut"));
    assert.ok(withModel.length >= 10, `only ${withModel.length} labels name the model`);
    for (const l of withModel) {
      assert.ok(l.text.includes(longName), `label cut: ${l.text.slice(0, 60)}…`);
      assert.equal(l.clipped, false, `clipped: ${l.text.slice(0, 60)}…`);
      assert.ok(l.right <= 1280, `label runs off the page: ${l.right}`);
    }
    assert.ok(withModel.some((l) => l.text.endsWith("#1")));
    assert.ok(withModel.some((l) => l.text.endsWith("#2")));
    const pageWidth = (await page.evaluate("document.documentElement.scrollWidth")) as number;
    assert.ok(pageWidth <= 1280, `page is ${pageWidth}px wide`);
  });

  it("draws one per-query plot per model and metric, with a bar per query", async () => {
    const plots: { w: number; h: number; bars: number }[] = await page.$$eval(
      "figure.pq svg",
      (svgs: Box[]) =>
        svgs.map((s) => ({
          w: s.getBoundingClientRect().width,
          h: s.getBoundingClientRect().height,
          bars: s.querySelectorAll("rect.q").length,
        })),
    );
    assert.equal(plots.length, 10);
    for (const p of plots) {
      assert.ok(p.w > 50 && p.h > 50);
      assert.equal(p.bars, 8);
    }
  });

  it("opens the per-query table with every metric for every system", async () => {
    await page.click("#per-query summary");
    const rows: number = await page.locator("#per-query tbody tr").count();
    assert.equal(rows, 8);
    const cells: number = await page.locator("#per-query tbody tr:first-child td").count();
    assert.equal(cells, 1 + 3 * 5);
    assert.ok(await page.locator("#per-query table").isVisible());
    const md: string = (await page.locator("#table-markdown").textContent()) ?? "";
    assert.match(md, /^\| System \| nDCG@10/);
  });
});
