/**
 * Bundle size and first-result time of the browser demo in headless Chromium (WASM backend):
 *
 *   npm run measure:browser
 *
 * Builds dist-browser/, serves it with the shared fixture models, and for each model opens a fresh page
 * (empty cache), pastes a query and 8 passages, and times the first click to results on screen (fetching the
 * model, compiling onnxruntime's WASM, opening the session, ranking), then a second ranking on the loaded model.
 * Reports the median of --runs (default 3) and the bytes the page downloaded (JS + WASM, without the model).
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildBrowser, type FileSize } from "./build-browser.js";
import { findChromium, launchChromium } from "./chromium.js";
import { startStaticServer } from "./serve-browser.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = process.env.RERANKERS_FIXTURES ?? resolve(ROOT, "..", "shared", "fixtures");
const MODELS = [
  { name: "tiny-bert-cross-encoder", dtype: "fp32", fuse: true },
  { name: "minilm-l6-h384-random", dtype: "fp32", fuse: true },
  { name: "minilm-l6-h384-random", dtype: "fp32", fuse: false },
  { name: "minilm-l6-h384-random", dtype: "q8", fuse: true },
];

interface Timings {
  loadMs: number;
  rankMs: number;
  totalMs: number;
}
interface DemoPage {
  demo: { timings: Timings[] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);
const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error("no chromium binary: apt-get install -y chromium (or set CHROMIUM_PATH)");
  process.exit(3);
}
const outDir = join(ROOT, "dist-browser");
const sizes = new Map<string, FileSize>((await buildBrowser(outDir)).map((s) => [`/${s.file}`, s]));
const plain = JSON.parse(readFileSync(join(FIXTURES, "tiny-bert-cross-encoder", "reference.json"), "utf8"))
  .cases[0];
const server = await startStaticServer(outDir, { "/models/": FIXTURES });
const browser = await launchChromium(chromiumPath);
const rows: string[] = [];
let version = "";
let downloaded = { files: [] as string[] };
try {
  for (const { name, dtype, fuse } of MODELS) {
    const cold: Timings[] = [];
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const start = server.requests.length;
      await page.goto(
        `${server.url}?model=models/${name}/&device=wasm&dtype=${dtype}${fuse ? "" : "&fuse=0"}`,
      );
      await page.fill("#query", plain.query);
      await page.fill("#passages", plain.docs.map((d: { text: string }) => d.text).join("\n"));
      for (const n of [1, 2]) {
        await page.click("#rank");
        await page.waitForFunction((k) => (globalThis as unknown as DemoPage).demo.timings.length >= k, n, {
          timeout: 300_000,
        });
      }
      const t = await page.evaluate(() => (globalThis as unknown as DemoPage).demo.timings);
      cold.push(t[0]);
      warm.push(t[1].rankMs);
      const files = [...new Set(server.requests.slice(start).filter((p) => sizes.has(p)))];
      downloaded = { files };
      await context.close();
    }
    const pick = (k: keyof Timings) => median(cold.map((c) => c[k])).toFixed(0);
    rows.push(
      `| ${name} (${dtype}${fuse ? "" : ", as exported"}) | ${pick("totalMs")} | ${pick("loadMs")} | ${pick("rankMs")} | ${median(warm).toFixed(0)} |`,
    );
  }
} finally {
  version = browser.version();
  await browser.close();
  await server.close();
}
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const total = (files: string[]) => {
  const sum = (k: "bytes" | "gzip") => files.reduce((a, f) => a + (sizes.get(f)?.[k] ?? 0), 0);
  return `${sum("bytes")} bytes (${mb(sum("bytes"))}), gzip -9 ${sum("gzip")} bytes (${mb(sum("gzip"))})`;
};
const js = downloaded.files.filter((f) => !f.endsWith(".wasm"));
const wasm = downloaded.files.filter((f) => f.endsWith(".wasm"));
console.log(`Downloaded by the page on the WASM path, without the model: ${downloaded.files.join(", ")}`);
console.log(`  JavaScript: ${total(js)}`);
console.log(`  WebAssembly: ${total(wasm)}`);
console.log(`  together: ${total(downloaded.files)}`);
console.log(
  `\nFirst result, 8 passages, WASM, median of ${runs} fresh pages (ms); Chromium ${version} headless, ` +
    `${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(1)}:\n`,
);
console.log("| model | click to first result | of which model load | first ranking | next ranking |");
console.log("|---|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
