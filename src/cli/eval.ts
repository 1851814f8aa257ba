import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Ranker } from "../core/ranker.js";
import { Reranker } from "../core/reranker.js";
import type { EvalWarning } from "../eval/warnings.js";
import { type BackendFlagValues, backendOptions, rerankerOptionsForAll } from "./backend-options.js";
import { collect, intFlag, positiveIntFlag, typesFor } from "./flags.js";
import { downloadProgress, stderrProgress } from "./progress.js";

interface EvalFlags extends BackendFlagValues {
  model: string[];
  modelType?: string[];
  lang?: string;
  dataset: string;
  split: string;
  run?: string;
  depth: string;
  removeQuery?: boolean;
  trials: string;
  seed: string;
  json?: boolean;
  markdown?: boolean;
  latex?: boolean;
  report?: string;
}

/** Settings worth recording in the report; credentials never are. */
function recordedSettings(options: Record<string, unknown>, flags: EvalFlags): Record<string, unknown> {
  const safe = Object.fromEntries(
    Object.entries(options).filter(([k]) => !/key|token|secret|password|auth/i.test(k)),
  );
  return { ...safe, lang: flags.lang, modelTypes: flags.modelType ?? [] };
}

async function runEvalCommand(flags: EvalFlags): Promise<void> {
  // Loaded here so that other commands do not pay for the evaluation modules at start-up.
  const [
    { loadBeir, parseRun, readText },
    { reportHtml },
    { runEvaluation },
    { formatReportTable, paperTable },
  ] = await Promise.all([
    import("../eval/dataset.js"),
    import("../eval/report-html.js"),
    import("../eval/run-eval.js"),
    import("../eval/tables.js"),
  ]);
  const depth = positiveIntFlag("depth", flags.depth);
  const trials = positiveIntFlag("trials", flags.trials);
  const seed = intFlag("seed", flags.seed, 0) as number;
  const types = typesFor(flags.model, flags.modelType);
  const data = await loadBeir(flags.dataset, flags.split);
  const warnings: EvalWarning[] = [];
  const run = flags.run ? parseRun(await readText(flags.run), flags.run, (w) => warnings.push(w)) : undefined;
  const options = backendOptions(flags);

  const rankers: Ranker[] = [];
  try {
    const downloads = downloadProgress();
    try {
      const all = rerankerOptionsForAll(flags.model, types, flags.lang, flags, downloads.onDownloadProgress);
      for (const [i, model] of flags.model.entries()) rankers.push(await Reranker(model, all[i]));
    } finally {
      downloads.stop();
    }
    const bars = new Map<string, ReturnType<typeof stderrProgress>>();
    const report = await runEvaluation(flags.dataset, data, rankers, {
      run,
      runPath: flags.run,
      depth,
      removeQuery: flags.removeQuery,
      split: flags.split,
      trials,
      seed,
      warnings,
      settings: recordedSettings(options, flags),
      onProgress: (model, p) => {
        const bar = bars.get(model) ?? stderrProgress(model);
        bars.set(model, bar);
        bar.onProgress(p);
        if (p.done === p.total) bar.stop();
      },
    });
    for (const bar of bars.values()) bar.stop();
    for (const w of report.warnings) process.stderr.write(`warning: ${w.message}\n`);
    const out = flags.json
      ? JSON.stringify(report)
      : flags.markdown
        ? paperTable(report, "markdown")
        : flags.latex
          ? paperTable(report, "latex")
          : formatReportTable(report);
    process.stdout.write(`${out}\n`);
    if (flags.report) {
      await writeFile(flags.report, reportHtml(report));
      process.stderr.write(`report written to ${flags.report}\n`);
    }
  } finally {
    await Promise.all(rankers.map((r) => r.close()));
  }
}

export function registerEvalCommand(program: Command, addBackendFlags: (cmd: Command) => Command): void {
  addBackendFlags(
    program
      .command("eval")
      .description(
        "rerank a BEIR-format dataset's first-stage candidates and report nDCG@10, MRR@10, Recall@10/100, MAP with significance tests",
      )
      .requiredOption("-m, --model <name>", "model to evaluate (repeatable)", collect)
      .option("-t, --model-type <type>", "method for all models, or one per --model (repeatable)", collect)
      .option("--lang <lang>", "language for family defaults", "en")
      .requiredOption("--dataset <dir>", "folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv")
      .option("--split <split>", "qrels split", "test")
      .option("--run <file>", "first-stage TREC run file (default: Lucene-style BM25 over the corpus)")
      .option("--depth <n>", "candidates reranked per query", "100")
      .option(
        "--remove-query",
        "drop a candidate whose doc id equals the query id (Pyserini's --remove-query)",
      )
      .option("--trials <n>", "randomization-test trials", "10000")
      .option("--seed <n>", "randomization-test seed", "42")
      .option("--json", "print the full report as JSON")
      .option("--markdown", "print a Markdown table for a paper")
      .option("--latex", "print a LaTeX table for a paper")
      .option("--report <file.html>", "write a self-contained HTML report"),
  ).action((flags: EvalFlags) => runEvalCommand(flags));
}
