import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Ranker } from "../core/ranker.js";
import { Reranker } from "../core/reranker.js";
import { loadBeir, parseRun, readText } from "../eval/dataset.js";
import { reportHtml } from "../eval/report-html.js";
import { formatReportTable, runEvaluation } from "../eval/run-eval.js";
import { type BackendFlagValues, rerankerOptionsForAll } from "./backend-options.js";
import { collect, positiveIntFlag, typesFor } from "./flags.js";
import { downloadProgress, stderrProgress } from "./progress.js";

interface EvalFlags extends BackendFlagValues {
  model: string[];
  modelType?: string[];
  lang?: string;
  dataset: string;
  split: string;
  run?: string;
  depth: string;
  json?: boolean;
  report?: string;
}

async function runEvalCommand(flags: EvalFlags): Promise<void> {
  const depth = positiveIntFlag("depth", flags.depth);
  const types = typesFor(flags.model, flags.modelType);
  const data = await loadBeir(flags.dataset, flags.split);
  const run = flags.run ? parseRun(await readText(flags.run), flags.run) : undefined;

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
      depth,
      onProgress: (model, p) => {
        const bar = bars.get(model) ?? stderrProgress(model);
        bars.set(model, bar);
        bar.onProgress(p);
        if (p.done === p.total) bar.stop();
      },
    });
    for (const bar of bars.values()) bar.stop();
    process.stdout.write(`${flags.json ? JSON.stringify(report) : formatReportTable(report)}\n`);
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
        "rerank a BEIR-format dataset's first-stage candidates and report nDCG@10, MRR@10, Recall@10/100, MAP",
      )
      .requiredOption("-m, --model <name>", "model to evaluate (repeatable)", collect)
      .option("-t, --model-type <type>", "method for all models, or one per --model (repeatable)", collect)
      .option("--lang <lang>", "language for family defaults", "en")
      .requiredOption("--dataset <dir>", "folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv")
      .option("--split <split>", "qrels split", "test")
      .option("--run <file>", "first-stage TREC run file (default: BM25 over the corpus)")
      .option("--depth <n>", "candidates reranked per query", "100")
      .option("--json", "print the full report as JSON")
      .option("--report <file.html>", "write a self-contained HTML report"),
  ).action((flags: EvalFlags) => runEvalCommand(flags));
}
