/** Node side of the tokenizer: read its JSON files from a model folder. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelFilesError } from "../core/errors.js";
import type { TokenizerFiles } from "./tokenizer.js";

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json and tokenizer_config.json are free-form JSON
type Json = any;

async function readJson(dir: string, name: string, required: boolean): Promise<Json | undefined> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    if (!required && (cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ModelFilesError(`cannot read ${name} in ${dir}`, { cause, path });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ModelFilesError(`${name} in ${dir} is not valid JSON`, { cause, path });
  }
}

/** `tokenizer.json` (required), `tokenizer_config.json` and `special_tokens_map.json` (optional) from `dir`. */
export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const tokenizer = await readJson(dir, "tokenizer.json", true);
  const tokenizerConfig = (await readJson(dir, "tokenizer_config.json", false)) ?? {};
  const specialTokensMap = (await readJson(dir, "special_tokens_map.json", false)) ?? {};
  return { tokenizer, tokenizerConfig, specialTokensMap };
}
