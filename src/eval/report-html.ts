import { METRIC_NAMES } from "./metrics.js";
import type { EvalReport } from "./run-eval.js";

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

const COLOURS = ["#8c8c8c", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/** One horizontal bar chart (inline SVG) of a metric across systems. */
function barChart(report: EvalReport, metric: (typeof METRIC_NAMES)[number]): string {
  const rowH = 22;
  const labelW = 260;
  const barW = 360;
  const h = report.systems.length * rowH + 30;
  const bars = report.systems
    .map((s, i) => {
      const v = s.mean[metric];
      const y = 24 + i * rowH;
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(s.name)}</text>
<rect x="${labelW}" y="${y}" width="${(v * barW).toFixed(1)}" height="${rowH - 6}" fill="${COLOURS[i % COLOURS.length]}"/>
<text x="${labelW + v * barW + 4}" y="${y + 14}">${v.toFixed(4)}</text>`;
    })
    .join("\n");
  return `<figure><figcaption>${escapeHtml(metric)}</figcaption>
<svg width="${labelW + barW + 70}" height="${h}" role="img" aria-label="${escapeHtml(metric)}">
${bars}</svg></figure>`;
}

/** Per-query nDCG@10 of each model minus the first stage's, largest gains first. */
function deltaTable(report: EvalReport): string {
  const [base, ...models] = report.systems;
  if (models.length === 0) return "";
  const qids = Object.keys(base.perQuery);
  const rows = qids
    .map((q) => ({ q, d: models.map((m) => m.perQuery[q]["ndcg@10"] - base.perQuery[q]["ndcg@10"]) }))
    .sort((a, b) => b.d[0] - a.d[0]);
  const cell = (d: number) => {
    const colour = d > 0 ? "#e6f4ea" : d < 0 ? "#fdecea" : "transparent";
    return `<td style="background:${colour}">${d >= 0 ? "+" : ""}${d.toFixed(4)}</td>`;
  };
  return `<h2>Per-query nDCG@10 change vs first stage</h2>
<table><thead><tr><th>query</th>${models.map((m) => `<th>${escapeHtml(m.name)}</th>`).join("")}</tr></thead>
<tbody>${rows.map((r) => `<tr><td>${escapeHtml(r.q)}</td>${r.d.map(cell).join("")}</tr>`).join("\n")}</tbody></table>`;
}

/** A self-contained HTML page (no scripts, no network) with a bar chart per metric and per-query deltas. */
export function reportHtml(report: EvalReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rerankers eval: ${escapeHtml(report.dataset)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#222}
figure{display:inline-block;margin:0 2rem 1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
svg text{font:12px system-ui,sans-serif}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}
</style></head><body>
<h1>rerankers eval: ${escapeHtml(report.dataset)}</h1>
<p>${report.queries} queries, first stage ${report.firstStage}, top ${report.depth} candidates reranked.</p>
${METRIC_NAMES.map((m) => barChart(report, m)).join("\n")}
${deltaTable(report)}
</body></html>
`;
}
