import { METRIC_NAMES, type QueryMetrics } from "./metrics.js";
import type { Comparison, EvalReport } from "./run-eval.js";

const METRIC_TITLES: Record<keyof QueryMetrics, string> = {
  "ndcg@10": "nDCG@10",
  "mrr@10": "MRR@10",
  "recall@10": "R@10",
  "recall@100": "R@100",
  map: "MAP",
};

export const metricTitle = (m: keyof QueryMetrics): string => METRIC_TITLES[m];

/** The comparison of `label` against the first stage on `metric`, if any. */
export function againstFirstStage(
  report: EvalReport,
  label: string,
  metric: keyof QueryMetrics,
): Comparison | undefined {
  const base = report.systems[0].label;
  return report.comparisons.find((c) => c.metric === metric && c.a === label && c.b === base);
}

/** True when the randomization test, Holm-adjusted, finds `label` different from the first stage on `metric`. */
function significant(report: EvalReport, label: string, metric: keyof QueryMetrics): boolean {
  const c = againstFirstStage(report, label, metric);
  return c !== undefined && c.randPAdjusted <= report.metadata.significance.alpha;
}

function alignedTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)];
}

const fmtP = (p: number) => (p < 0.0001 ? "<0.0001" : p.toFixed(4));

/** A plain table of mean metrics (one row per system, full labels) and the tests against the first stage. */
export function formatReportTable(report: EvalReport): string {
  const alpha = report.metadata.significance.alpha;
  const head = ["system", ...METRIC_NAMES, "seconds"];
  const rows = report.systems.map((s, i) => [
    s.label,
    ...METRIC_NAMES.map(
      (m) => `${s.mean[m].toFixed(4)}${i > 0 && significant(report, s.label, m) ? "*" : " "}`,
    ),
    s.seconds.toFixed(1),
  ]);
  const out = [
    `${report.dataset} (${report.metadata.split}): ${report.queries} queries, depth ${report.depth}, first stage ${report.firstStage}`,
    ...alignedTable(head, rows),
  ];
  if (report.comparisons.length > 0) {
    out.push(
      `* differs from the first stage (randomization test, ${report.metadata.significance.trials} trials, Holm-adjusted p <= ${alpha})`,
      "",
      "nDCG@10 comparisons (a vs b: mean difference, wins/ties/losses of a, p t-test / randomization, Holm-adjusted):",
    );
    const cmpRows = report.comparisons
      .filter((c) => c.metric === "ndcg@10")
      .map((c) => [
        `${c.a} vs ${c.b}`,
        `${c.meanDiff >= 0 ? "+" : ""}${c.meanDiff.toFixed(4)}`,
        `${c.wins}/${c.ties}/${c.losses}`,
        fmtP(c.tPAdjusted),
        fmtP(c.randPAdjusted),
      ]);
    out.push(...alignedTable(["comparison", "diff", "W/T/L", "p(t)", "p(rand)"], cmpRows));
  }
  return out.join("\n");
}

const latexEscape = (s: string) =>
  s.replace(/[\\{}&%$#_^~]/g, (c) =>
    c === "\\" ? "\\textbackslash{}" : c === "^" ? "\\^{}" : c === "~" ? "\\~{}" : `\\${c}`,
  );
const markdownEscape = (s: string) => s.replace(/[|\\*_`[\]<>]/g, (c) => `\\${c}`);

/**
 * A table of mean metrics to paste into a paper: best value per metric in bold, † where a system differs from the
 * first stage (randomization test, Holm-adjusted p ≤ α).
 */
export function paperTable(report: EvalReport, format: "markdown" | "latex"): string {
  const alpha = report.metadata.significance.alpha;
  const best = Object.fromEntries(
    METRIC_NAMES.map((m) => [m, Math.max(...report.systems.map((s) => Number(s.mean[m].toFixed(4))))]),
  );
  const cell = (label: string, i: number, m: keyof QueryMetrics, v: number) => {
    const text = v.toFixed(4);
    const dagger = i > 0 && significant(report, label, m);
    const isBest = Number(text) === best[m];
    if (format === "latex") return `${isBest ? `\\textbf{${text}}` : text}${dagger ? "$^\\dagger$" : ""}`;
    return `${isBest ? `**${text}**` : text}${dagger ? "†" : ""}`;
  };
  const caption = `${report.dataset} (${report.metadata.split}, ${report.queries} queries), top ${report.depth} of ${report.firstStage === "bm25" ? "BM25" : "the first-stage run"} reranked. † differs from the first stage (paired randomization test, ${report.metadata.significance.trials} trials, seed ${report.metadata.significance.seed}, Holm-adjusted p ≤ ${alpha}).`;
  if (format === "markdown") {
    const lines = [
      `| System | ${METRIC_NAMES.map(metricTitle).join(" | ")} |`,
      `|:--|${METRIC_NAMES.map(() => "--:").join("|")}|`,
      ...report.systems.map(
        (s, i) =>
          `| ${markdownEscape(i === 0 ? `First stage (${report.firstStage})` : s.label)} | ${METRIC_NAMES.map((m) => cell(s.label, i, m, s.mean[m])).join(" | ")} |`,
      ),
      "",
      caption,
    ];
    return lines.join("\n");
  }
  return [
    "\\begin{table}[t]",
    "\\centering",
    `\\begin{tabular}{l${"r".repeat(METRIC_NAMES.length)}}`,
    "\\hline",
    `System & ${METRIC_NAMES.map((m) => latexEscape(metricTitle(m))).join(" & ")} \\\\`,
    "\\hline",
    ...report.systems.map(
      (s, i) =>
        `${latexEscape(i === 0 ? `First stage (${report.firstStage})` : s.label)} & ${METRIC_NAMES.map((m) => cell(s.label, i, m, s.mean[m])).join(" & ")} \\\\`,
    ),
    "\\hline",
    "\\end{tabular}",
    `\\caption{${latexEscape(caption).replace("†", "$^\\dagger$").replace("≤", "$\\leq$")}}`,
    "\\end{table}",
  ].join("\n");
}
