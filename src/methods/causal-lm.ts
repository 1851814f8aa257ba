/**
 * Shared machinery for rerankers that read a verdict off a causal LM's next-token logits (mxbai-rerank v2,
 * Qwen3-Reranker): prompt templates, special-token lookup, opening the model and scoring left-padded prompts
 * in token-budget batches at the last real token.
 */
import { InvalidInputError, ModelFilesError, ModelOutputError, throwIfAborted } from "../core/errors.js";
import { optBool, optInt } from "../core/options.js";
import type { PointwiseMethod } from "../core/ranker.js";
import type { FactoryOptions } from "../core/registry.js";
import { DEFAULT_TOKEN_BUDGET, scoreInBatches } from "../engine/batching.js";
import { type HubOptions, resolveModelDir } from "../engine/hub.js";
import {
  type DtypeChoice,
  findOnnxFile,
  type ModelFolder,
  namedOnnxFile,
  onnxCandidates,
  parseDtype,
  readModelFolder,
} from "../engine/model-files.js";
import { hubOptions as engineHubOptions } from "../engine/model-source.js";
import { type OnnxSession, openSession, type TensorInput } from "../engine/onnx.js";
import { Tokenizer } from "../engine/tokenizer.js";
import { cacheFeeds, LOGITS_TO_KEEP, leftPad, pickLogits } from "./causal-lm-inputs.js";

/** The id of a single vocabulary token (e.g. "yes", "1"), read from the tokenizer, never assumed. */
export function singleTokenId(tokenizer: Tokenizer, token: string, role: string): number {
  const id = tokenizer.tokenToId(token);
  if (id !== undefined) return id;
  const ids = tokenizer.tokenize(token);
  if (ids.length === 1) return ids[0];
  throw new ModelFilesError(
    `the tokenizer has no single token for the ${role} marker ${JSON.stringify(token)}`,
  );
}

/** Max positions the model can attend to: config.max_position_embeddings (as the reference rules), else the tokenizer's. */
export function modelPositions(folder: ModelFolder): number {
  const fromConfig =
    folder.config.max_position_embeddings ?? folder.config.text_config?.max_position_embeddings;
  if (Number.isInteger(fromConfig) && fromConfig > 0) return fromConfig;
  const fromTokenizer = folder.tokenizerConfig.model_max_length;
  if (Number.isInteger(fromTokenizer) && fromTokenizer > 0 && fromTokenizer < 1e7) return fromTokenizer;
  throw new ModelFilesError(`${folder.dir}: config.json has no max_position_embeddings`, {
    path: folder.dir,
  });
}

const BASES = ["model", "decoder_model_merged", "decoder_model"];

// Options: the CLI passes `--option key=value` as strings, the library passes real values; both are accepted,
// in camelCase or the Python snake_case spelling.

function option(options: FactoryOptions, camel: string, snake?: string): unknown {
  return options[camel] ?? (snake === undefined ? undefined : options[snake]);
}

export function intOption(options: FactoryOptions, camel: string, snake?: string): number | undefined {
  return optInt(options, camel) ?? (snake === undefined ? undefined : optInt(options, snake));
}

export function stringOption(options: FactoryOptions, camel: string, snake?: string): string | undefined {
  const v = option(options, camel, snake);
  if (v === undefined || v === null) return undefined;
  // `--option tokenTrue=1` arrives JSON-parsed as a number.
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v !== "string") throw new InvalidInputError(`option ${camel} must be a string, got ${typeof v}`);
  return v;
}

/** The engine's Hub options, also from the Python snake_case and `hubToken` spellings these families accept. */
function hubOptions(options: FactoryOptions): HubOptions {
  return engineHubOptions({
    ...options,
    cacheDir: stringOption(options, "cacheDir", "cache_dir"),
    token:
      stringOption(options, "token") ?? stringOption(options, "hubToken") ?? stringOption(options, "hfToken"),
    offline: optBool(options, "offline"),
  });
}

/** Bytes of full `[b, s, vocab]` float32 logits we accept per call when the graph cannot keep only the last position. */
const FULL_LOGITS_BYTES = 512 * 1024 * 1024;

/** A causal LM ONNX session plus its tokenizer and folder, run on left-padded prompts. */
export class CausalLm {
  private constructor(
    readonly folder: ModelFolder,
    readonly tokenizer: Tokenizer,
    private readonly session: OnnxSession,
    private readonly padId: number,
    private readonly logitsName: string,
  ) {}

  /** Options read: `dtype`, `onnxFile`, `threads`, `worker` and the Hub options (`revision`, `cacheDir`, ...). */
  static async open(options: FactoryOptions): Promise<CausalLm> {
    const dtype = parseDtype(options.dtype);
    const onnxFile = stringOption(options, "onnxFile", "onnx_file");
    const choices = onnxFile === undefined ? onnxCandidates(BASES, dtype) : [onnxFile];
    const dir = await resolveModelDir(
      options.model,
      {
        required: ["config.json", "tokenizer.json", choices],
        optional: ["tokenizer_config.json", "special_tokens_map.json"],
        exportTask: "text-generation",
      },
      hubOptions(options),
    );
    const folder = await readModelFolder(dir);
    const tokenizer = await Tokenizer.fromDir(dir);
    const path =
      onnxFile === undefined ? await findFirstOnnx(dir, dtype) : await namedOnnxFile(dir, onnxFile);
    const session = await openSession(path, {
      threads: intOption(options, "threads"),
      worker: optBool(options, "worker"),
    });
    const logitsName = session.outputs.find((o) => o.name === "logits")?.name ?? session.outputs[0]?.name;
    if (logitsName === undefined || !session.inputs.some((i) => i.name === "input_ids")) {
      await session.close();
      throw new ModelFilesError(`${path} is not a causal LM export (needs input_ids -> logits)`, { path });
    }
    const padId = tokenizer.padTokenId ?? folder.config.pad_token_id ?? tokenizer.eosTokenId ?? 0;
    return new CausalLm(folder, tokenizer, session, padId, logitsName);
  }

  /** True when the graph computes only the last position's logits. */
  get keepsLastOnly(): boolean {
    return this.session.inputs.some((i) => LOGITS_TO_KEEP.has(i.name));
  }

  /** Token budget per call: full logits are `tokens x vocab` floats, so big vocabularies get smaller batches. */
  tokenBudget(requested: number | undefined): number {
    const budget = requested ?? DEFAULT_TOKEN_BUDGET;
    if (this.keepsLastOnly) return budget;
    const vocab = Number(this.folder.config.vocab_size ?? this.folder.config.text_config?.vocab_size ?? 0);
    if (!(vocab > 0)) return budget;
    return Math.max(1, Math.min(budget, Math.floor(FULL_LOGITS_BYTES / (4 * vocab))));
  }

  /** Feeds for one left-padded batch; unknown required inputs are an error naming them. */
  feeds(rows: readonly (readonly number[])[]): Record<string, TensorInput> {
    const padded = leftPad(rows, this.padId);
    const feeds: Record<string, TensorInput> = cacheFeeds(
      this.session.inputs,
      this.folder.config,
      padded.batch,
    );
    for (const input of this.session.inputs) {
      if (input.name in feeds) continue;
      if (input.name === "input_ids") feeds[input.name] = padded.inputIds;
      else if (input.name === "attention_mask") feeds[input.name] = padded.attentionMask;
      else if (input.name === "position_ids") feeds[input.name] = padded.positionIds;
      else
        throw new ModelFilesError(`the causal LM declares an input this method cannot feed: ${input.name}`);
    }
    return feeds;
  }

  /** The logits of `tokenIds` at each row's last real token, row-major `[rows, tokenIds.length]`. */
  async lastLogits(rows: readonly (readonly number[])[], tokenIds: readonly number[]): Promise<Float64Array> {
    const width = rows.reduce((m, r) => Math.max(m, r.length), 0);
    const out = await this.session.run(this.feeds(rows), [this.logitsName]);
    const logits = out[this.logitsName];
    if (logits === undefined) throw new ModelOutputError(`the model returned no ${this.logitsName} output`);
    // Left padding puts every row's last real token in the last column.
    return pickLogits(
      logits,
      rows.map(() => width - 1),
      tokenIds,
    );
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

async function findFirstOnnx(dir: string, dtype: DtypeChoice): Promise<string> {
  return findOnnxFile(dir, BASES, dtype);
}

/** Score prepared rows in token-budget batches; `score` turns each row's picked logits into one score. */
export async function scoreRows(
  lm: CausalLm,
  rows: readonly (readonly number[])[],
  tokenIds: readonly number[],
  score: (logits: Float64Array, offset: number) => number,
  ctx: { batchSize?: number; signal?: AbortSignal; progress: (done: number) => void },
  options: { batchSize: number; tokenBudget?: number },
): Promise<Float64Array> {
  throwIfAborted(ctx.signal);
  const k = tokenIds.length;
  return scoreInBatches(
    rows.map((r) => r.length),
    {
      tokenBudget: lm.tokenBudget(options.tokenBudget),
      maxBatchSize: ctx.batchSize ?? options.batchSize,
      signal: ctx.signal,
      progress: ctx.progress,
    },
    async (indices) => {
      const logits = await lm.lastLogits(
        indices.map((i) => rows[i]),
        tokenIds,
      );
      return indices.map((_, j) => score(logits, j * k));
    },
  );
}

/** The verdict tokens: the `tokenTrue` / `tokenFalse` options (or snake_case), else the given defaults. */
export function verdictTokenIds(
  tokenizer: Tokenizer,
  options: FactoryOptions,
  defaults: { true: string; false: string },
  roles: { true: string; false: string },
): { trueId: number; falseId: number } {
  return {
    trueId: singleTokenId(
      tokenizer,
      stringOption(options, "tokenTrue", "token_true") ?? defaults.true,
      roles.true,
    ),
    falseId: singleTokenId(
      tokenizer,
      stringOption(options, "tokenFalse", "token_false") ?? defaults.false,
      roles.false,
    ),
  };
}

/** One prompt: its ids, and whether anything was cut to fit. */
export interface VerdictPrompt {
  ids: number[];
  truncated: boolean;
}

/**
 * The pointwise method of a reranker that reads a verdict off the last token: `prompts` builds one prompt a
 * document, `scoreRows` reads the `tokenIds` logits and `score` makes them one score. Reads the `batchSize` (16)
 * and `tokenBudget` options; closing the method closes `lm`.
 */
export function verdictMethod(
  lm: CausalLm,
  options: FactoryOptions,
  prompts: (query: string, docs: readonly string[]) => VerdictPrompt[],
  tokenIds: readonly number[],
  score: (logits: Float64Array, offset: number) => number,
): PointwiseMethod {
  const batchSize = intOption(options, "batchSize", "batch_size") ?? 16;
  const tokenBudget = intOption(options, "tokenBudget", "token_budget");
  return {
    kind: "pointwise",
    async scoreDocuments(query, docs, ctx) {
      const built = prompts(
        query,
        docs.map((d) => d.text),
      );
      const rows = built.map((p) => p.ids);
      const scores = await scoreRows(lm, rows, tokenIds, score, ctx, { batchSize, tokenBudget });
      return { scores, flags: built.map((p) => (p.truncated ? { truncated: true } : undefined)) };
    },
    close: () => lm.close(),
  };
}
