/**
 * Lucene's EnglishAnalyzer (as Anserini/Pyserini index BEIR): StandardTokenizer (Unicode word boundaries, UAX #29)
 * → EnglishPossessiveFilter → LowerCaseFilter → StopFilter (Lucene's 33 English stop words) → PorterStemFilter
 * (the original Porter algorithm, from the `stemmer` package).
 *
 * Word boundaries come from Intl.Segmenter (ICU's UAX #29 rules). Where ICU goes beyond UAX #29 the tokenizer is
 * brought back to Lucene's behaviour: Han ideographs and Hiragana are one token per character, a run of Thai/Lao/
 * Myanmar/Khmer script is one token (Lucene has no dictionary), emoji sequences are tokens, and tokens longer than
 * 255 UTF-16 units are split, as StandardTokenizer does.
 */
import { stemmer } from "stemmer";

/** EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (Lucene 8 and 9). */
export const LUCENE_ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these they " +
    "this to was will with"
  ).split(" "),
);

const MAX_TOKEN_LENGTH = 255;
const SINGLE_CHAR_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}]/u;
const SOUTHEAST_ASIAN = /^[\p{Script=Thai}\p{Script=Lao}\p{Script=Myanmar}\p{Script=Khmer}]+$/u;
const EMOJI = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;

let segmenter: Intl.Segmenter | undefined;

const ASCII = /^\p{ASCII}*$/u;
// UAX #29 restricted to ASCII: letters, digits and "_" join; ":", "." and "'" join two letters (WB6/7); ".", ",",
// ";" and "'" join two digits (WB11/12).
const ASCII_WORD =
  /[A-Za-z0-9_]+(?:(?:(?<=[A-Za-z])[:.'](?=[A-Za-z])|(?<=[0-9])[.,;'](?=[0-9]))[A-Za-z0-9_]+)*/g;
const ONLY_CONNECTORS = /^\p{Pc}+$/u;

/** Lucene's StandardTokenizer: the word-like pieces of `text`, in order. */
export function standardTokenize(text: string): string[] {
  if (ASCII.test(text)) {
    const out: string[] = [];
    for (const m of text.matchAll(ASCII_WORD)) if (!ONLY_CONNECTORS.test(m[0])) out.push(...chunks(m[0]));
    return out;
  }
  return segmenterTokenize(text);
}

/** StandardTokenizer through Intl.Segmenter, for any text (standardTokenize's path for non-ASCII text). */
export function segmenterTokenize(text: string): string[] {
  segmenter ??= new Intl.Segmenter("en", { granularity: "word" });
  const out: string[] = [];
  let seaRun = "";
  let seaEnd = -1;
  const flushSea = () => {
    if (seaRun) out.push(...chunks(seaRun));
    seaRun = "";
  };
  for (const { segment, index, isWordLike } of segmenter.segment(text)) {
    if (isWordLike && SOUTHEAST_ASIAN.test(segment)) {
      // ICU splits Thai with a dictionary; Lucene keeps the whole run as one SOUTHEAST_ASIAN token.
      if (seaEnd !== index) flushSea();
      seaRun += segment;
      seaEnd = index + segment.length;
      continue;
    }
    flushSea();
    if (isWordLike) {
      // A run of connectors alone ("__") is no token for Lucene.
      if (ONLY_CONNECTORS.test(segment)) continue;
      if (SINGLE_CHAR_SCRIPTS.test(segment)) out.push(...splitIdeographs(segment));
      else out.push(...chunks(segment));
    } else if (EMOJI.test(segment)) {
      out.push(segment);
    }
  }
  flushSea();
  return out;
}

/** Han and Hiragana characters become one token each; other runs inside the segment (e.g. Katakana) stay whole. */
function splitIdeographs(segment: string): string[] {
  const out: string[] = [];
  let run = "";
  for (const ch of segment) {
    if (SINGLE_CHAR_SCRIPTS.test(ch)) {
      if (run) out.push(run);
      run = "";
      out.push(ch);
    } else run += ch;
  }
  if (run) out.push(run);
  return out;
}

function chunks(token: string): string[] {
  if (token.length <= MAX_TOKEN_LENGTH) return [token];
  const out: string[] = [];
  for (let i = 0; i < token.length; i += MAX_TOKEN_LENGTH) out.push(token.slice(i, i + MAX_TOKEN_LENGTH));
  return out;
}

/** EnglishPossessiveFilter: a trailing 's (straight, right single or full-width apostrophe) is removed. */
export function removePossessive(token: string): string {
  const n = token.length;
  if (n < 2) return token;
  const s = token.charCodeAt(n - 1);
  const q = token.charCodeAt(n - 2);
  return (s === 0x73 || s === 0x53) && (q === 0x27 || q === 0x2019 || q === 0xff07)
    ? token.slice(0, -2)
    : token;
}

/** LowerCaseFilter: Java's Character.toLowerCase per code point (no special casing, no final sigma). */
export function luceneLowerCase(token: string): string {
  if (ASCII.test(token)) return token.toLowerCase();
  let out = "";
  for (const ch of token) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) out += cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : ch;
    else if (cp === 0x130) out += "i";
    else {
      const lower = ch.toLowerCase();
      out += [...lower].length === 1 ? lower : ch;
    }
  }
  return out;
}

const stems = new Map<string, string>();

function stem(token: string): string {
  let s = stems.get(token);
  if (s === undefined) {
    if (stems.size >= 200_000) stems.clear();
    s = stemmer(token);
    stems.set(token, s);
  }
  return s;
}

/** The index terms of `text`, as Lucene's EnglishAnalyzer produces them. */
export function englishAnalyze(text: string): string[] {
  const out: string[] = [];
  for (const raw of standardTokenize(text)) {
    const token = luceneLowerCase(removePossessive(raw));
    if (LUCENE_ENGLISH_STOP_WORDS.has(token)) continue;
    out.push(stem(token));
  }
  return out;
}
