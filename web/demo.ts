/**
 * The demo page: paste a query and passages, see the ranking and the scores. URL parameters preset the form:
 * `?model=<folder URL or repo id>&device=wasm|webgpu|auto&threads=<n>&dtype=fp32|q8|...&fuse=0` (fuse=0: load the
 * export as it is, without the graph rewrites).
 */

import type { BrowserRanker, Device } from "../src/browser/index.js";
import * as rerankers from "../src/browser/index.js";

interface Timings {
  /** Fetching the model files, starting the runtime and opening the session (0 when already loaded). */
  loadMs: number;
  /** Tokenising and scoring. */
  rankMs: number;
  /** Click to results on screen. */
  totalMs: number;
}

declare global {
  interface Window {
    rerankers: typeof rerankers;
    demo: { timings: Timings[]; ranker?: BrowserRanker };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>("form");
const modelInput = $<HTMLInputElement>("model");
const deviceSelect = $<HTMLSelectElement>("device");
const queryInput = $<HTMLInputElement>("query");
const passagesInput = $<HTMLTextAreaElement>("passages");
const rankButton = $<HTMLButtonElement>("rank");
const status = $<HTMLDivElement>("status");
const table = $<HTMLTableElement>("results");

const params = new URLSearchParams(location.search);
if (params.get("model")) modelInput.value = params.get("model")!;
if (params.get("device")) deviceSelect.value = params.get("device")!;
const threads = params.get("threads") ? Number(params.get("threads")) : undefined;
const dtype = params.get("dtype") ?? undefined;
const fuse = params.get("fuse") !== "0";
const wasmPaths = new URL("./ort/", location.href).href;

window.rerankers = rerankers;
window.demo = { timings: [] };

let loaded: { key: string; ranker: Promise<BrowserRanker> } | undefined;

function rankerFor(model: string, device: Device): Promise<BrowserRanker> {
  const key = `${model}\0${device}`;
  if (loaded?.key !== key) {
    void loaded?.ranker.then((r) => r.close()).catch(() => {});
    const ranker = rerankers.loadCrossEncoder(model, { device, threads, dtype, wasmPaths, fuse });
    loaded = { key, ranker };
    ranker.catch(() => {
      if (loaded?.ranker === ranker) loaded = undefined;
    });
  }
  return loaded.ranker;
}

function showStatus(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle("error", error);
}

function render(results: rerankers.RankedResults): void {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const r of results) {
    const row = body.insertRow();
    row.dataset.index = String(r.document.docId);
    row.dataset.score = String(r.score);
    row.insertCell().textContent = String(r.rank);
    const score = row.insertCell();
    score.className = "score";
    score.textContent = r.score === undefined ? "" : r.score.toFixed(6);
    row.insertCell().textContent = r.document.text;
  }
  table.hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const passages = passagesInput.value.split("\n").filter((p) => p.trim() !== "");
  rankButton.disabled = true;
  table.hidden = true;
  const t0 = performance.now();
  try {
    const wasLoaded = loaded !== undefined;
    showStatus(wasLoaded ? "Ranking…" : "Loading the model…");
    const ranker = await rankerFor(modelInput.value, deviceSelect.value as Device);
    const t1 = performance.now();
    showStatus("Ranking…");
    const results = await ranker.rank(queryInput.value, passages);
    const t2 = performance.now();
    render(results);
    const timings = { loadMs: t1 - t0, rankMs: t2 - t1, totalMs: performance.now() - t0 };
    window.demo.timings.push(timings);
    window.demo.ranker = ranker;
    const backend = `${ranker.device}${ranker.device === "wasm" ? `, ${ranker.threads} thread(s)` : ""}${ranker.fused ? ", rewritten graph" : ""}`;
    showStatus(
      `${results.length} passages ranked in ${timings.rankMs.toFixed(0)} ms` +
        (wasLoaded ? "" : ` (model loaded in ${timings.loadMs.toFixed(0)} ms)`) +
        ` on ${backend}; cross-origin isolated: ${crossOriginIsolated ? "yes" : "no"}`,
    );
  } catch (e) {
    showStatus(`${(e as Error).name}: ${(e as Error).message}`, true);
  } finally {
    rankButton.disabled = false;
  }
});
