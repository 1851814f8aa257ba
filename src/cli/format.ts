import type { RankedResults } from "../core/results.js";

export interface RankOutput {
  query: string;
  model: string;
  modelType: string;
  results: {
    docId: string | number;
    text: string;
    score: number | null;
    rank: number;
    metadata: Record<string, unknown>;
  }[];
}

/** The `--json` shape: results in rank order. */
export function toRankOutput(results: RankedResults, model: string, modelType: string): RankOutput {
  return {
    query: results.query,
    model,
    modelType,
    results: results.results.map((r) => ({
      docId: r.docId,
      text: r.text,
      score: r.score ?? null,
      rank: r.rank,
      metadata: r.metadata,
    })),
  };
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= width ? flat : `${chars.slice(0, width - 1).join("")}…`;
}

function formatScore(score: number | undefined): string {
  if (score === undefined) return "-";
  return Math.abs(score) >= 1e4 || (score !== 0 && Math.abs(score) < 1e-3)
    ? score.toExponential(3)
    : score.toFixed(4);
}

/** A plain, colour-free table for humans. */
export function formatTable(results: RankedResults, terminalWidth = 100): string {
  const rows = results.results.map((r) => [String(r.rank), formatScore(r.score), String(r.docId), r.text]);
  const head = ["rank", "score", "docId", "text"];
  const widths = [0, 1, 2].map((c) => Math.max(head[c].length, ...rows.map((row) => row[c].length)));
  const textWidth = Math.max(20, terminalWidth - widths.reduce((a, b) => a + b + 2, 0));
  const line = (cells: string[]) =>
    [
      cells[0].padStart(widths[0]),
      cells[1].padStart(widths[1]),
      cells[2].padEnd(widths[2]),
      clip(cells[3], textWidth),
    ]
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

/** One-line notes for stderr about results the user should know were cut or not judged. */
export function resultWarnings(results: RankedResults): string[] {
  const truncated = results.results.filter((r) => r.flags.truncated).length;
  const unjudged = results.results.filter((r) => r.flags.unjudged).length;
  const warnings: string[] = [];
  if (truncated > 0) {
    warnings.push(
      `warning: ${truncated} of ${results.length} results were truncated to the model's maximum length (the library's withChunking() scores long documents in windows)`,
    );
  }
  if (unjudged > 0)
    warnings.push(
      `warning: the model gave no judgement for ${unjudged} of ${results.length} documents (score null)`,
    );
  return warnings;
}
