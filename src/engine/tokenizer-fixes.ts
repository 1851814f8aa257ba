/**
 * Where `@huggingface/tokenizers` 0.2.0 differs from the Rust `tokenizers` library, Rust's behaviour, installed
 * over the JS library's component instances (their `config` is the component's entry in tokenizer.json).
 */
import type * as HfTokenizers from "@huggingface/tokenizers";
import { PrecompiledCharsmap } from "./tokenizer-precompiled.js";
import { unigramEncoder } from "./tokenizer-unigram.js";

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json components are free-form JSON
type Json = any;
type Normalize = (text: string) => string;

const WS = "\\p{White_Space}";
const leadingWs = new RegExp(`^[${WS}]+`, "u");
const trailingWs = new RegExp(`[${WS}]+$`, "u");
/** Rust `regex` `\w` is Unicode-aware (UTS #18 word characters). */
const WORD = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";
const whitespacePattern = new RegExp(`[${WORD}]+|[^${WORD}${WS}]+`, "gu");
const whitespaceSplitPattern = new RegExp(`[^${WS}]+`, "gu");

/** Rust `char::to_lowercase` per character: no context-dependent final sigma as in `String#toLowerCase`. */
function lowercaseChars(text: string): string {
  let out = "";
  for (const ch of text) out += ch.toLowerCase();
  return out;
}

/** CJK ranges of Rust `BertNormalizer::is_chinese_char`, by code point (the JS version tests UTF-16 units). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const controlPattern = /^[\p{Cc}\p{Cf}\p{Co}]$/u;
const whitespaceChar = new RegExp(`^[${WS}]$`, "u");

/** Rust `BertNormalizer`: clean text, isolate CJK, strip accents (before lowercasing), lowercase per char. */
function bertNormalizer(config: Json): Normalize {
  const lowercase = config.lowercase ?? true;
  const stripAccents = config.strip_accents ?? lowercase;
  return (text) => {
    if (config.clean_text ?? true) {
      let out = "";
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        if (ch === "\t" || ch === "\n" || ch === "\r") out += " ";
        else if (cp === 0 || cp === 0xfffd || controlPattern.test(ch)) continue;
        else out += whitespaceChar.test(ch) ? " " : ch;
      }
      text = out;
    }
    if (config.handle_chinese_chars ?? true) {
      let out = "";
      for (const ch of text) out += isChineseChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
      text = out;
    }
    if (stripAccents) text = text.normalize("NFD").replace(/\p{Mn}/gu, "");
    if (lowercase) text = lowercaseChars(text);
    return text;
  };
}

/** Rust's implementation of a normalizer type where the JS one differs; undefined where they agree. */
export function rustNormalizer(config: Json): Normalize | undefined {
  switch (config?.type) {
    case "Precompiled": {
      if (typeof config.precompiled_charsmap !== "string" || config.precompiled_charsmap.length === 0) {
        return undefined;
      }
      const charsmap = PrecompiledCharsmap.fromBase64(config.precompiled_charsmap);
      return (text) => charsmap.normalize(text);
    }
    case "BertNormalizer":
      return bertNormalizer(config);
    case "Lowercase":
      return lowercaseChars;
    case "StripAccents":
      // Rust removes nonspacing marks only (JS removes every \p{M}).
      return (text) => text.replace(/\p{Mn}/gu, "");
    case "Strip":
      return (text) => {
        if (config.strip_left) text = text.replace(leadingWs, "");
        if (config.strip_right) text = text.replace(trailingWs, "");
        return text;
      };
    default:
      return undefined;
  }
}

const replacements = new WeakMap<object, Normalize | null>();

function cachedRustNormalizer(config: Json): Normalize | undefined {
  if (!config || typeof config !== "object") return undefined;
  let fn = replacements.get(config);
  if (fn === undefined) {
    fn = rustNormalizer(config) ?? null;
    replacements.set(config, fn);
  }
  return fn ?? undefined;
}

const patchedNormalizerClasses = [
  "PrecompiledNormalizer",
  "BertNormalizer",
  "LowercaseNormalizer",
  "StripAccentsNormalizer",
  "StripNormalizer",
] as const;

/**
 * Construct the JS tokenizer with Rust's normalizers already in place (the constructor normalizes the content of
 * `normalized` added tokens), then keep them on the instances. The prototypes are restored before returning.
 */
export function constructTokenizer(
  lib: typeof HfTokenizers,
  json: Json,
  config: Json,
): HfTokenizers.Tokenizer {
  const saved: [Json, Normalize][] = [];
  for (const name of patchedNormalizerClasses) {
    const proto = (lib as Json)[name]?.prototype;
    if (!proto) continue;
    saved.push([proto, proto.normalize]);
    const original = proto.normalize;
    proto.normalize = function (this: Json, text: string): string {
      const fn = cachedRustNormalizer(this.config);
      return fn ? fn(text) : original.call(this, text);
    };
  }
  let tokenizer: HfTokenizers.Tokenizer;
  try {
    tokenizer = new lib.Tokenizer(json, config);
  } finally {
    for (const [proto, normalize] of saved) proto.normalize = normalize;
  }
  patchNormalizer(tokenizer.normalizer, json.normalizer);
  patchPreTokenizer(tokenizer.pre_tokenizer, json.pre_tokenizer);
  patchModel(tokenizer.model, json.model);
  return tokenizer;
}

function patchModel(instance: Json, config: Json): void {
  if (!instance || config?.type !== "Unigram") return;
  const encodeWord = unigramEncoder(config, instance.trie?.root);
  if (!encodeWord) return;
  instance.encode = (words: string[]) => words.flatMap(encodeWord);
  // unknown pieces are fused per pre-token by encodeWord, never across pre-tokens
  instance.fuse_unk = false;
}

function patchNormalizer(instance: Json, config: Json): void {
  if (!instance || !config) return;
  if (
    config.type === "Sequence" &&
    Array.isArray(instance.normalizers) &&
    Array.isArray(config.normalizers)
  ) {
    config.normalizers.forEach((sub: Json, i: number) => {
      patchNormalizer(instance.normalizers[i], sub);
    });
    return;
  }
  const fn = cachedRustNormalizer(config);
  if (fn) instance.normalize = fn;
}

function patchPreTokenizer(instance: Json, config: Json): void {
  if (!instance || !config) return;
  switch (config.type) {
    case "Sequence":
      if (Array.isArray(instance.tokenizers) && Array.isArray(config.pretokenizers)) {
        config.pretokenizers.forEach((sub: Json, i: number) => {
          patchPreTokenizer(instance.tokenizers[i], sub);
        });
      }
      return;
    case "Metaspace":
      instance.pre_tokenize_text = metaspace(config);
      return;
    case "WhitespaceSplit":
      instance.pre_tokenize_text = (text: string) => text.match(whitespaceSplitPattern) ?? [];
      return;
    case "Whitespace":
      instance.pre_tokenize_text = (text: string) => text.match(whitespacePattern) ?? [];
      return;
  }
}

/**
 * Rust `Metaspace`: spaces become the replacement, which is prepended per `prepend_scheme` (legacy
 * `add_prefix_space: false` = never), and with `split` (default true) every replacement starts a new piece.
 */
function metaspace(config: Json): (text: string, options?: { section_index?: number }) => string[] {
  const replacement: string = config.replacement ?? "\u2581";
  const scheme: string = config.prepend_scheme ?? (config.add_prefix_space === false ? "never" : "always");
  const split = config.split ?? true;
  const splitter = new RegExp(`(?=${replacement.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})`, "u");
  return (text, options) => {
    let normalized = text.replaceAll(" ", replacement);
    const prepend = scheme === "always" || (scheme === "first" && (options?.section_index ?? 0) === 0);
    if (prepend && !normalized.startsWith(replacement)) normalized = replacement + normalized;
    if (!split) return [normalized];
    return normalized.split(splitter).filter((piece) => piece.length > 0);
  };
}
