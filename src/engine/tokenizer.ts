/**
 * The tokenizer every local method uses: `tokenizer.json` run by `@huggingface/tokenizers` (pure JS), with the
 * parts that library lacks or gets wrong done here so that ids equal the Rust `tokenizers` library (Python's fast
 * tokenizers): longest_first pair truncation, the post-processor's special-token layout (kept for empty sequences),
 * SentencePiece's Precompiled normalizer, and special token ids read from the model's files.
 */
import type * as HfTokenizers from "@huggingface/tokenizers";
import { MissingDependencyError, ModelFilesError } from "../core/errors.js";
import { constructTokenizer } from "./tokenizer-fixes.js";
import { buildLayout, type Layout, type Segment } from "./tokenizer-post.js";

export interface Encoding {
  ids: number[];
  typeIds: number[];
  /** True when tokens of the text were cut to fit the length budget. */
  truncated: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json and tokenizer_config.json are free-form JSON
type Json = any;

type SpecialName = "pad" | "mask" | "cls" | "sep" | "eos" | "unk";

/** The parsed JSON files a tokenizer is built from (read from a folder in Node, fetched in a browser). */
export interface TokenizerFiles {
  tokenizer: Json;
  tokenizerConfig?: Json;
  specialTokensMap?: Json;
}

/**
 * Rust `tokenizers` `TruncationStrategy::LongestFirst`: how many tokens of each sequence to keep so that
 * `kept1 + kept2 <= budget` (budget = max_length minus the special tokens of a pair). When both are equally
 * long the first one loses the odd token.
 */
export function longestFirst(n1: number, n2: number, budget: number): [number, number] {
  budget = Math.max(0, Math.floor(budget));
  if (n1 + n2 <= budget) return [n1, n2];
  let swap = false;
  if (n1 > n2) {
    swap = true;
    [n1, n2] = [n2, n1];
  }
  n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = Math.floor(budget / 2);
    n2 = n1 + (budget % 2);
  }
  return swap ? [n2, n1] : [n1, n2];
}

async function loadLibrary(): Promise<typeof HfTokenizers> {
  try {
    return await import("@huggingface/tokenizers");
  } catch (cause) {
    throw new MissingDependencyError("@huggingface/tokenizers", "Tokenizing text for local models", {
      cause,
    });
  }
}

/** The token string of a `*_token` entry: a string or an AddedToken object `{ content }`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") {
    return (value as { content: string }).content;
  }
  return undefined;
}

/**
 * The tokenizer_config.json keys the JS library may read. Flags such as `remove_space` or
 * `do_lowercase_and_remove_accent` belong to Python's slow tokenizers; the Rust library ignores them.
 */
function libraryConfig(config: Json): Json {
  const out: Json = {};
  for (const key of ["additional_special_tokens", "clean_up_tokenization_spaces", "eos_token"]) {
    if (config?.[key] !== undefined) out[key] = config[key];
  }
  return out;
}

export class Tokenizer {
  readonly padTokenId: number | undefined;
  readonly maskTokenId: number | undefined;
  readonly clsTokenId: number | undefined;
  readonly sepTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly unkTokenId: number | undefined;

  private readonly inner: HfTokenizers.Tokenizer;
  private readonly layout: Layout;
  private readonly specialCount: [single: number, pair: number];

  private constructor(lib: typeof HfTokenizers, json: Json, config: Json, specialMap: Json, source: string) {
    try {
      this.inner = constructTokenizer(lib, json, libraryConfig(config));
      this.layout = buildLayout(json.post_processor, (t) => this.tokenToId(t));
    } catch (cause) {
      if (cause instanceof ModelFilesError) throw cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new ModelFilesError(`cannot load tokenizer.json in ${source}: ${message}`, {
        cause,
        path: source,
      });
    }
    this.specialCount = [this.withSpecialTokens([]).ids.length, this.withSpecialTokens([], []).ids.length];

    const find = (name: SpecialName): number | undefined => {
      const key = `${name}_token`;
      for (const source of [config?.[key], specialMap?.[key]]) {
        const token = tokenContent(source);
        if (token !== undefined) {
          const id = this.tokenToId(token);
          if (id !== undefined) return id;
        }
      }
      return undefined;
    };
    const post = json.post_processor;
    const postToken = (field: "cls" | "sep"): number | undefined => {
      const p = post?.type === "Sequence" ? post.processors?.find((x: Json) => x?.[field]) : post;
      const pair = p?.[field];
      return Array.isArray(pair) && typeof pair[1] === "number" ? pair[1] : undefined;
    };
    const model = json.model ?? {};
    const modelUnk =
      typeof model.unk_id === "number"
        ? model.unk_id
        : typeof model.unk_token === "string"
          ? this.tokenToId(model.unk_token)
          : undefined;
    this.padTokenId = find("pad");
    this.maskTokenId = find("mask");
    this.clsTokenId = find("cls") ?? postToken("cls");
    this.sepTokenId = find("sep") ?? postToken("sep");
    this.eosTokenId = find("eos");
    this.unkTokenId = find("unk") ?? modelUnk;
  }

  /** Load `tokenizer.json` (required), `tokenizer_config.json` and `special_tokens_map.json` (optional) from `dir`. */
  static async fromDir(dir: string): Promise<Tokenizer> {
    // Imported here so that this module has no Node built-in on the browser path.
    const { readTokenizerFiles } = await import("./tokenizer-files.js");
    return Tokenizer.fromFiles(await readTokenizerFiles(dir), dir);
  }

  /** Build from already parsed files; `source` names them in errors (a folder or a URL). */
  static async fromFiles(files: TokenizerFiles, source: string): Promise<Tokenizer> {
    const lib = await loadLibrary();
    return new Tokenizer(
      lib,
      files.tokenizer,
      files.tokenizerConfig ?? {},
      files.specialTokensMap ?? {},
      source,
    );
  }

  /** Ids of `text` without special tokens. */
  tokenize(text: string): number[] {
    if (text.length === 0) return [];
    const ids: (number | undefined)[] = this.inner.encode(text, { add_special_tokens: false }).ids;
    // A piece with no id and no unk token (BPE without unk_token) is dropped, as Rust does.
    return ids.filter((id): id is number => id !== undefined);
  }

  /** The post-processor's layout of already tokenized sequences (`[CLS] a [SEP] b [SEP]`, `a </s>`, ...). */
  withSpecialTokens(a: number[], b?: number[]): { ids: number[]; typeIds: number[] } {
    const encodings: Segment[] = [{ ids: a, typeIds: a.map(() => 0) }];
    if (b) encodings.push({ ids: b, typeIds: b.map(() => 1) });
    return merge(this.layout(encodings));
  }

  numSpecialTokens(pair: boolean): number {
    return this.specialCount[pair ? 1 : 0];
  }

  /** = Python `tokenizer(a, b, truncation=True, max_length=maxLength)`: longest_first, special tokens always kept. */
  encodePair(a: string, b: string, maxLength: number): Encoding {
    const ida = this.tokenize(a);
    const idb = this.tokenize(b);
    const [n1, n2] = longestFirst(ida.length, idb.length, maxLength - this.numSpecialTokens(true));
    const truncated = n1 < ida.length || n2 < idb.length;
    const { ids, typeIds } = this.withSpecialTokens(ida.slice(0, n1), idb.slice(0, n2));
    return { ids, typeIds, truncated };
  }

  /** = Python `tokenizer(text, truncation=True, max_length=maxLength)`; no truncation without `maxLength`. */
  encode(text: string, maxLength?: number, options?: { addSpecialTokens?: boolean }): Encoding {
    const addSpecial = options?.addSpecialTokens ?? true;
    let ids = this.tokenize(text);
    let truncated = false;
    if (maxLength !== undefined) {
      const budget = Math.max(0, maxLength - (addSpecial ? this.numSpecialTokens(false) : 0));
      if (ids.length > budget) {
        ids = ids.slice(0, budget);
        truncated = true;
      }
    }
    if (!addSpecial) return { ids, typeIds: ids.map(() => 0), truncated };
    return { ...this.withSpecialTokens(ids), truncated };
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.inner.id_to_token(id);
  }
}

function merge(segments: Segment[]): { ids: number[]; typeIds: number[] } {
  if (segments.length === 1) return { ids: segments[0].ids.slice(), typeIds: segments[0].typeIds.slice() };
  return { ids: segments.flatMap((s) => s.ids), typeIds: segments.flatMap((s) => s.typeIds) };
}
