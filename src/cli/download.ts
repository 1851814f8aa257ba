import type { Command } from "commander";
import { InvalidInputError } from "../core/errors.js";
import { Reranker } from "../core/reranker.js";
import { resolveModel } from "../core/resolve.js";
import { type DownloadProgress, setDefaultDownloadProgress } from "../engine/hub-config.js";
import { type BackendFlagValues, backendOptions } from "./backend-options.js";

interface DownloadFlags extends BackendFlagValues {
  modelType?: string;
  lang?: string;
}

/** Families that run over an API: nothing to download. */
const API_FAMILIES = new Set(["rankgpt", "rankllm", "llm-relevance-filter"]);

const mb = (bytes: number | undefined) =>
  bytes === undefined ? "size unknown" : `${(bytes / 1e6).toFixed(1)} MB`;

/** One progress bar per file on a TTY, else one plain "downloading X (N MB)" line per file. */
function progressReporter(): { listener: (e: DownloadProgress) => void; stop: () => void } {
  const started = new Set<string>();
  if (!process.stderr.isTTY) {
    return {
      listener(e) {
        if (started.has(e.file)) return;
        started.add(e.file);
        process.stderr.write(`downloading ${e.file} (${mb(e.total)})\n`);
      },
      stop() {},
    };
  }
  type Bar = { update(n: number): void; setTotal(n: number): void };
  let multi: { create(total: number, start: number, payload: object): Bar; stop(): void } | undefined;
  const bars = new Map<string, Bar>();
  const pending: DownloadProgress[] = [];
  let loading = false;
  const draw = (e: DownloadProgress) => {
    if (multi === undefined) return;
    let bar = bars.get(e.file);
    if (bar === undefined) {
      bar = multi.create(e.total ?? e.loaded, e.loaded, { file: e.file });
      bars.set(e.file, bar);
    }
    if (e.total !== undefined) bar.setTotal(e.total);
    bar.update(e.loaded);
  };
  return {
    listener(e) {
      if (multi !== undefined) return draw(e);
      pending.push(e);
      if (loading) return;
      loading = true;
      import("cli-progress").then(({ default: cliProgress }) => {
        multi = new cliProgress.MultiBar(
          {
            format: "{file} [{bar}] {percentage}% | {value}/{total} bytes",
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        for (const p of pending.splice(0)) draw(p);
      });
    },
    stop() {
      multi?.stop();
    },
  };
}

async function runDownload(name: string, flags: DownloadFlags): Promise<void> {
  const resolved = resolveModel(name, { modelType: flags.modelType, lang: flags.lang });
  if (resolved.provider !== null || API_FAMILIES.has(resolved.modelType)) {
    throw new InvalidInputError(
      `${resolved.model} (${resolved.modelType}) runs over an API: there are no model files to download`,
    );
  }
  const progress = progressReporter();
  setDefaultDownloadProgress(progress.listener);
  try {
    // Loading the ranker fetches exactly the files its method needs (graph, external data, tokenizer, config)
    // and proves they open; then it is closed again.
    const ranker = await Reranker(name, {
      modelType: flags.modelType,
      lang: flags.lang,
      ...backendOptions(flags),
    });
    await ranker.close();
  } finally {
    progress.stop();
    setDefaultDownloadProgress(undefined);
  }
  process.stdout.write(`ready: ${resolved.model} (${resolved.modelType})\n`);
}

/** `rerankers download MODEL [--dtype D] [--cache-dir DIR]`: pre-fetch a model into the cache. */
export function registerDownloadCommand(program: Command): void {
  program
    .command("download")
    .description(
      "download everything a local model needs into the cache (for containers and air-gapped machines)",
    )
    .argument("<model>", "model name, Hub id or family name")
    .option("-t, --model-type <type>", "force the method")
    .option("--lang <lang>", "language for family defaults", "en")
    .option("--dtype <dtype>", "ONNX variant: auto (default), fp32, fp16, q8, int8, uint8, q4")
    .option("--revision <rev>", "Hub revision: branch, tag or commit")
    .option("--cache-dir <dir>", "model cache folder (default: the Hugging Face cache)")
    .option(
      "--option <key=value>",
      "any other backend option (repeatable)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .action((name: string, flags: DownloadFlags) => runDownload(name, flags));
}
