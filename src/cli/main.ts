#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { sourceRepo } from "../core/catalog.js";
import { normaliseDocuments, normaliseQuery } from "../core/documents.js";
import { RerankersError } from "../core/errors.js";
import { redactUrls } from "../core/redact.js";
import { Reranker } from "../core/reranker.js";
import { resolveModel } from "../core/resolve.js";
import { BACKEND_FLAGS, type BackendFlagValues, rerankerOptions } from "./backend-options.js";
import { registerCompletionCommand } from "./completion.js";
import { registerDownloadCommand } from "./download.js";
import { registerEvalCommand } from "./eval.js";
import { checkRequiredAfterUnknown, collect, intFlag } from "./flags.js";
import { formatTable, resultWarnings, toRankOutput } from "./format.js";
import { registerModelsCommand } from "./models.js";
import { downloadProgress, stderrProgress } from "./progress.js";
import { DOCS_FORMATS, readDocuments, stdinIsTerminal } from "./read-docs.js";
import { describeResolved } from "./resolve-output.js";
import { registerServeCommand } from "./serve.js";

interface RankFlags extends BackendFlagValues {
  model: string;
  modelType?: string;
  lang?: string;
  query: string;
  docs?: string;
  docsFormat?: string;
  topK?: string;
  batchSize?: string;
  json?: boolean;
}

/** Add the flags every ranker-building command shares. */
export function addBackendFlags(cmd: Command): Command {
  for (const [flag, help] of BACKEND_FLAGS) cmd.option(flag, help);
  return cmd
    .option("--offline", "never touch the network; use the model cache only")
    .option("--option <key=value>", "any other backend option (repeatable; JSON values allowed)", collect);
}

async function runRank(flags: RankFlags): Promise<void> {
  // Validate everything before any model or network work.
  const query = normaliseQuery(flags.query);
  if (stdinIsTerminal(flags.docs)) {
    process.stderr.write(
      "rerankers: reading documents from stdin (JSONL, one per line; end with Ctrl-D), or pass --docs FILE\n",
    );
  }
  const docs = await readDocuments(flags.docs, flags.docsFormat);
  normaliseDocuments(docs);
  const topK = intFlag("top-k", flags.topK, 0);
  const batchSize = intFlag("batch-size", flags.batchSize, 1);
  const downloads = downloadProgress();
  const ranker = await Reranker(
    flags.model,
    rerankerOptions(flags.model, flags.modelType, flags.lang, flags, downloads.onDownloadProgress),
  ).finally(downloads.stop);
  const progress = stderrProgress("ranking");
  try {
    const results = await ranker.rank(query, docs, {
      topK,
      batchSize,
      onProgress: progress.onProgress,
    });
    progress.stop();
    const out = flags.json
      ? JSON.stringify(toRankOutput(results, ranker.model, ranker.modelType))
      : formatTable(results, process.stdout.columns ?? 100);
    process.stdout.write(`${out}\n`);
    for (const warning of resultWarnings(results)) process.stderr.write(`rerankers: ${warning}\n`);
  } finally {
    progress.stop();
    await ranker.close();
  }
}

export function buildProgram(): Command {
  const program = new Command("rerankers")
    .description("Rerank documents with any method: local ONNX models, hosted APIs, LLMs")
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--verbose", "print stack traces on errors")
    .showSuggestionAfterError(true)
    .exitOverride();

  addBackendFlags(
    program
      .command("rank")
      .description("rank documents for a query")
      .requiredOption("-m, --model <name>", "model name, Hub id, local folder, or provider:model")
      .option(
        "-t, --model-type <type>",
        "force the method (cross-encoder, flashrank, t5, colbert, cohere, …)",
      )
      .option("--lang <lang>", "language for family defaults", "en")
      .requiredOption("-q, --query <text>", "the query")
      .option(
        "-d, --docs <file>",
        "documents: .jsonl, .json array or .txt (one per line); - or absent reads stdin",
      )
      .option(
        "--docs-format <format>",
        `${DOCS_FORMATS.join(", ")} (default: from the extension; stdin and other names are jsonl)`,
      )
      .option("-k, --top-k <k>", "return only the best k")
      .option("--batch-size <n>", "documents per model call")
      .option("--json", "print JSON instead of a table"),
  ).action((flags: RankFlags) => runRank(flags));

  program
    .command("resolve")
    .description("show which method and model a name resolves to, without loading anything")
    .argument("<name>", "model name")
    .option("-t, --model-type <type>", "force the method")
    .option("--lang <lang>", "language for family defaults", "en")
    .option("--base-url <url>", "endpoint (hosted providers, LLM rankers)")
    .option("--json", "print JSON")
    .action(
      (name: string, flags: { modelType?: string; lang?: string; baseUrl?: string; json?: boolean }) => {
        const resolved = resolveModel(name, { modelType: flags.modelType, lang: flags.lang });
        const shown = describeResolved(resolved, flags.baseUrl);
        // Where a local model's ONNX files come from (null: no export exists; see `rerankers models`).
        const source = resolved.provider === null ? sourceRepo(resolved.model) : undefined;
        const lines = [
          `modelType: ${resolved.modelType}`,
          `model:     ${resolved.model}`,
          `provider:  ${shown.provider}`,
        ];
        if (source !== undefined)
          lines.push(`source:    ${source ?? "(no ONNX export: see the error when loading it)"}`);
        const out = flags.json
          ? JSON.stringify({
              ...resolved,
              runs: shown.runs,
              endpoint: shown.endpoint,
              ...(source === undefined ? {} : { source }),
            })
          : lines.join("\n");
        process.stdout.write(`${out}\n`);
      },
    );

  registerModelsCommand(program);
  registerDownloadCommand(program);
  registerEvalCommand(program, addBackendFlags);
  registerServeCommand(program, addBackendFlags);
  registerCompletionCommand(program);
  for (const cmd of program.commands) checkRequiredAfterUnknown(cmd);
  return program;
}

/** The package version (package.json sits two levels above both src/cli and dist/cli). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

/** Map any failure to one line on stderr and the documented exit code. */
function fail(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0)
      return 0;
    return 2; // commander already printed the usage error
  }
  if (err instanceof RerankersError) {
    process.stderr.write(`rerankers: ${redactUrls(err.message)}\n`);
    if (verbose && err.stack) process.stderr.write(`${redactUrls(err.stack)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(
    `rerankers: unexpected error: ${redactUrls(String(e?.message ?? e).split("\n")[0])}\n`,
  );
  if (verbose && e?.stack) process.stderr.write(`${redactUrls(e.stack)}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    return fail(err, argv.includes("--verbose"));
  }
}

/** True when this file is the process entry (`node src/cli/main.ts`), not when imported (bin/rerankers.js, tests). */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
