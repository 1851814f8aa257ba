import { METRIC_NAMES, type QueryMetrics } from "./metrics.js";
import type { EvalReport, SystemResult } from "./run-eval.js";
import { againstFirstStage, metricTitle, paperTable } from "./tables.js";

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

const COLOURS = ["#8c8c8c", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const fmtP = (p: number) => (p < 0.0001 ? "&lt;0.0001" : p.toFixed(4));
const signed = (d: number) => `${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(4)}`;

function metadataList(report: EvalReport): string {
  const m = report.metadata;
  const fs =
    m.firstStage.kind === "bm25"
      ? `BM25 (k1 ${m.firstStage.k1}, b ${m.firstStage.b}, ${m.firstStage.analyzer})`
      : `run ${m.firstStage.path ?? ""}`;
  const rows: [string, string][] = [
    ["rerankers", m.rerankersVersion],
    ["date", m.date],
    ["dataset", m.dataset],
    ["split", m.split],
    ["queries", String(m.queries)],
    ["first stage", fs],
    ["depth", String(m.depth)],
    ["remove query", m.removeQuery ? "yes (a candidate equal to its query id is dropped)" : "no"],
    ...m.models.map((x, i): [string, string] => [
      `model ${i + 1}`,
      `${x.label} = ${x.model} (${x.modelType})`,
    ]),
    [
      "significance",
      `${m.significance.tests.join("; ")}; ${m.significance.trials} trials, seed ${m.significance.seed}; ${m.significance.correction}; α = ${m.significance.alpha}`,
    ],
    ["settings", JSON.stringify(m.settings)],
    ["node", m.node],
  ];
  return `<dl class="meta">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd class="label">${escapeHtml(v)}</dd>`).join("")}</dl>`;
}

/** Mean of each metric as horizontal bars; labels are HTML so long names wrap instead of being cut off. */
function meanBars(report: EvalReport, metric: keyof QueryMetrics): string {
  const rows = report.systems
    .map((s, i) => {
      const v = s.mean[metric];
      return `<tr><td class="label">${escapeHtml(s.label)}</td><td class="barcell"><span class="bar" style="width:${(v * 100).toFixed(2)}%;background:${COLOURS[i % COLOURS.length]}"></span></td><td>${v.toFixed(4)}</td></tr>`;
    })
    .join("\n");
  return `<figure class="means"><figcaption>${metricTitle(metric)}</figcaption><table>${rows}</table></figure>`;
}

function comparisonsTable(report: EvalReport): string {
  if (report.comparisons.length === 0) return "";
  const rows = report.comparisons
    .map(
      (c) =>
        `<tr><td>${metricTitle(c.metric)}</td><td class="label">${escapeHtml(c.a)}</td><td class="label">${escapeHtml(c.b)}</td><td>${signed(c.meanDiff)}</td><td>${c.wins}/${c.ties}/${c.losses}</td><td>${Number.isFinite(c.t) ? c.t.toFixed(3) : c.t > 0 ? "∞" : "−∞"}</td><td>${fmtP(c.tP)}</td><td>${fmtP(c.tPAdjusted)}</td><td>${fmtP(c.randP)}</td><td>${fmtP(c.randPAdjusted)}</td></tr>`,
    )
    .join("\n");
  const s = report.metadata.significance;
  return `<h2>Significance</h2>
<p>Differences are a − b over the same ${report.queries} queries. Paired two-sided t-test and paired randomization test (sign flips, ${s.trials} trials, seed ${s.seed}); adjusted p-values use ${escapeHtml(s.correction)}. W/T/L counts queries where a is better / equal / worse.</p>
<table class="cmp"><thead><tr><th>metric</th><th class="label">a</th><th class="label">b</th><th>mean diff</th><th>W/T/L</th><th>t</th><th>p (t)</th><th>p (t, Holm)</th><th>p (rand)</th><th>p (rand, Holm)</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/** Per-query differences from the first stage, sorted, as an inline SVG bar plot. */
function perQueryPlot(report: EvalReport, system: SystemResult, metric: keyof QueryMetrics): string {
  const base = report.systems[0];
  const qids = Object.keys(base.perQuery);
  const diffs = qids
    .map((q) => ({ q, d: system.perQuery[q][metric] - base.perQuery[q][metric] }))
    .sort((a, b) => b.d - a.d);
  const barW = Math.max(2, Math.min(12, Math.floor(600 / Math.max(diffs.length, 1))));
  const w = diffs.length * barW + 50;
  const h = 160;
  const mid = h / 2;
  const scale = (h / 2 - 10) / 1; // a difference of ±1 fills half the height
  const bars = diffs
    .map(({ q, d }, i) => {
      const bh = Math.abs(d) * scale;
      const y = d >= 0 ? mid - bh : mid;
      const colour = d > 0 ? "#2ca02c" : d < 0 ? "#d62728" : "#999";
      return `<rect class="q" x="${40 + i * barW}" y="${y.toFixed(1)}" width="${Math.max(barW - 1, 1)}" height="${Math.max(bh, 0.5).toFixed(1)}" fill="${colour}"><title>${escapeHtml(q)}: ${signed(d)}</title></rect>`;
    })
    .join("");
  const c = againstFirstStage(report, system.label, metric);
  const summary = c ? ` — W/T/L ${c.wins}/${c.ties}/${c.losses}, mean ${signed(c.meanDiff)}` : "";
  return `<figure class="pq"><figcaption><span class="label">${escapeHtml(system.label)}</span>: ${metricTitle(metric)} per query − first stage${summary}</figcaption>
<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(`${system.label} ${metric} per-query difference`)}">
<text x="34" y="${mid - scale + 4}" text-anchor="end">+1</text><text x="34" y="${mid + 4}" text-anchor="end">0</text><text x="34" y="${mid + scale + 4}" text-anchor="end">−1</text>
<line x1="38" x2="${w}" y1="${mid}" y2="${mid}" stroke="#444"/>${bars}</svg></figure>`;
}

function perQueryTable(report: EvalReport): string {
  const qids = Object.keys(report.systems[0].perQuery);
  const head1 = report.systems
    .map((s) => `<th colspan="${METRIC_NAMES.length}" class="label">${escapeHtml(s.label)}</th>`)
    .join("");
  const head2 = report.systems
    .map(() => METRIC_NAMES.map((m) => `<th>${metricTitle(m)}</th>`).join(""))
    .join("");
  const rows = qids
    .map(
      (q) =>
        `<tr><td>${escapeHtml(q)}</td>${report.systems.map((s) => METRIC_NAMES.map((m) => `<td>${s.perQuery[q][m].toFixed(4)}</td>`).join("")).join("")}</tr>`,
    )
    .join("\n");
  return `<details id="per-query"><summary>Per-query values, every metric (${qids.length} queries)</summary>
<table class="pqt"><thead><tr><th rowspan="2">query</th>${head1}</tr><tr>${head2}</tr></thead><tbody>${rows}</tbody></table></details>`;
}

/** A self-contained HTML page (no scripts, no network): metadata, means, significance, per-query plots and values. */
export function reportHtml(report: EvalReport): string {
  const rerankers = report.systems.slice(1);
  const warnings =
    report.warnings.length === 0
      ? ""
      : `<h2>Warnings</h2><ul class="warnings">${report.warnings.map((w) => `<li>${escapeHtml(w.message)} (${w.count})</li>`).join("")}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rerankers eval: ${escapeHtml(report.dataset)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}
.label{overflow-wrap:anywhere;word-break:break-word}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
figure{margin:0 0 1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
figure.means{display:inline-block;vertical-align:top;width:30rem;margin-right:2rem}
figure.means table{width:100%}td.barcell{width:45%}span.bar{display:block;height:.9rem}
svg text{font:11px system-ui,sans-serif}
table{border-collapse:collapse}td,th{padding:.2rem .5rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}
td:first-child,th:first-child,td.label,th.label{text-align:left}
pre{background:#f6f6f6;padding:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}
ul.warnings{color:#8a4b00}
</style></head><body>
<h1>rerankers eval: <span class="label">${escapeHtml(report.dataset)}</span></h1>
${metadataList(report)}
${warnings}
<h2>Mean metrics</h2>
${METRIC_NAMES.map((m) => meanBars(report, m)).join("\n")}
${comparisonsTable(report)}
${rerankers.length > 0 ? `<h2>Per-query differences from the first stage</h2>\n${rerankers.map((s) => METRIC_NAMES.map((m) => perQueryPlot(report, s, m)).join("\n")).join("\n")}` : ""}
<h2>Per-query values</h2>
${perQueryTable(report)}
<h2>Tables for a paper</h2>
<h3>Markdown</h3><pre id="table-markdown">${escapeHtml(paperTable(report, "markdown"))}</pre>
<h3>LaTeX</h3><pre id="table-latex">${escapeHtml(paperTable(report, "latex"))}</pre>
</body></html>
`;
}
