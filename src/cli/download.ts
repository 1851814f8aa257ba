import type { Command } from "commander";
import { InvalidInputError } from "../core/errors.js";
import { familyKind } from "../core/registry.js";
import { Reranker } from "../core/reranker.js";
import { resolveModel } from "../core/resolve.js";
import { type BackendFlagValues, rerankerOptions } from "./backend-options.js";
import { downloadProgress } from "./progress.js";

interface DownloadFlags extends BackendFlagValues {
  modelType?: string;
  lang?: string;
}

async function runDownload(name: string, flags: DownloadFlags): Promise<void> {
  const resolved = resolveModel(name, { modelType: flags.modelType, lang: flags.lang });
  if (resolved.provider !== null || familyKind(resolved.modelType) !== "local") {
    throw new InvalidInputError(
      `${resolved.model} (${resolved.modelType}) does not run locally: there are no model files to download`,
    );
  }
  const downloads = downloadProgress();
  try {
    // Loading the ranker fetches exactly the files its method needs (graph, external data, tokenizer, config)
    // and proves they open; then it is closed again.
    const options = rerankerOptions(name, flags.modelType, flags.lang, flags, downloads.onDownloadProgress);
    const ranker = await Reranker(name, options);
    await ranker.close();
  } finally {
    downloads.stop();
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
