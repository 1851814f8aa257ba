/**
 * Rust `tokenizers` `Unigram::encode_optimized` (SentencePiece's Viterbi without a lattice object): the best
 * segmentation of one pre-token, ties kept by the earliest start, consecutive unknown pieces fused into one, and
 * `byte_fallback` to `<0xXX>` pieces. Replaces the JS library's lattice, which clones nodes on every comparison
 * and fuses unknowns across pre-tokens.
 */

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is free-form JSON
type Json = any;

/** A node of the JS library's `CharTrie` over the vocabulary (children keyed by code point). */
interface TrieNode {
  is_leaf: boolean;
  children: Map<string, TrieNode>;
}

const K_UNK_PENALTY = 10;
const CACHE_LIMIT = 20_000;
const CACHE_WORD_LENGTH = 256;

export function unigramEncoder(modelJson: Json, trieRoot: unknown): ((word: string) => string[]) | undefined {
  const root = trieRoot as TrieNode | undefined;
  if (!root || !(root.children instanceof Map) || !Array.isArray(modelJson?.vocab)) return undefined;
  const vocab = modelJson.vocab as [string, number][];
  const ids = new Map<string, number>();
  const scores = new Float64Array(vocab.length);
  let minScore = Number.POSITIVE_INFINITY;
  vocab.forEach(([piece, score], i) => {
    ids.set(piece, i); // the last duplicate wins, as in Rust's HashMap
    scores[i] = score;
    if (score < minScore) minScore = score;
  });
  const unkId: number | undefined = typeof modelJson.unk_id === "number" ? modelJson.unk_id : undefined;
  const unkScore = minScore - K_UNK_PENALTY;
  const byteFallback = modelJson.byte_fallback === true;
  const cache = new Map<string, string[]>();

  const viterbi = (text: string): string[] => {
    const chars = Array.from(text);
    const n = chars.length;
    const best = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const tokenId = new Int32Array(n + 1).fill(-1);
    for (let start = 0; start < n; start++) {
      const base = best[start];
      let hasSingle = false;
      let node: TrieNode | undefined = root;
      let piece = "";
      for (let end = start; end < n; end++) {
        node = node.children.get(chars[end]);
        if (node === undefined) break;
        piece += chars[end];
        if (!node.is_leaf) continue;
        const id = ids.get(piece);
        if (id === undefined) continue;
        const score = scores[id] + base;
        if (from[end + 1] < 0 || score > best[end + 1]) {
          best[end + 1] = score;
          from[end + 1] = start;
          tokenId[end + 1] = id;
        }
        if (end === start) hasSingle = true;
      }
      if (!hasSingle) {
        const score = unkScore + base;
        if (from[start + 1] < 0 || score > best[start + 1]) {
          best[start + 1] = score;
          from[start + 1] = start;
          tokenId[start + 1] = unkId ?? -2;
        }
      }
    }
    const results: string[] = [];
    let unknown: string[] = [];
    const flushUnknown = () => {
      if (unknown.length > 0) {
        results.push(unknown.reverse().join(""));
        unknown = [];
      }
    };
    for (let end = n; end > 0; ) {
      const start = from[end];
      const piece = chars.slice(start, end).join("");
      if (tokenId[end] === (unkId ?? -2)) unknown.push(piece);
      else {
        flushUnknown();
        results.push(piece);
      }
      end = start;
    }
    flushUnknown();
    results.reverse();
    if (!byteFallback) return results;
    return results.flatMap((piece) => {
      if (ids.has(piece)) return [piece];
      const bytes = Array.from(
        new TextEncoder().encode(piece),
        (b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`,
      );
      return bytes.every((b) => ids.has(b)) ? bytes : [piece];
    });
  };

  return (word) => {
    if (word.length === 0) return [];
    if (word.length > CACHE_WORD_LENGTH) return viterbi(word);
    let pieces = cache.get(word);
    if (pieces === undefined) {
      pieces = viterbi(word);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(word, pieces);
    }
    return pieces;
  };
}
