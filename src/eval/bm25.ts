/**
 * Lucene's BM25 (BM25Similarity, Lucene 8/9), as Pyserini's "bm25-flat" BEIR baselines run it: Lucene's English
 * analyzer, k1 = 0.9, b = 0.4, idf = ln(1 + (N − df + 0.5) / (df + 0.5)) with N the documents that have a term,
 * document lengths quantised to one byte (SmallFloat.intToByte4), avgdl = total terms / N, single-precision
 * arithmetic as in Lucene, a query term repeated n times weighted n times (Anserini's bag-of-words query), and ties
 * broken by docId ascending (Anserini). Lucene's score omits BM25's constant (k1 + 1) factor; rankings are the same.
 */
import { englishAnalyze } from "./english-analyzer.js";
import { byte4ToInt, intToByte4 } from "./small-float.js";

export interface Bm25Options {
  k1?: number;
  b?: number;
  /** Text → index terms (default: Lucene's EnglishAnalyzer, `englishAnalyze`). */
  tokenize?: (text: string) => string[];
}

const f = Math.fround;

/** The previous built-in analyzer (lower-case letter/digit runs, no stemming, no stop words), kept for comparisons. */
export function defaultTokenize(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize("NFKC")
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export class Bm25Index {
  readonly #k1: number;
  readonly #b: number;
  readonly #tokenize: (text: string) => string[];
  readonly #ids: string[] = [];
  readonly #norms: number[] = [];
  readonly #postings = new Map<string, { doc: number; tf: number }[]>();
  #docCount = 0;
  #totalLength = 0;

  constructor(options: Bm25Options = {}) {
    this.#k1 = f(options.k1 ?? 0.9);
    this.#b = f(options.b ?? 0.4);
    this.#tokenize = options.tokenize ?? englishAnalyze;
  }

  add(id: string, text: string): void {
    const doc = this.#ids.length;
    const terms = this.#tokenize(text);
    this.#ids.push(id);
    this.#norms.push(intToByte4(terms.length));
    // Lucene's docCount and sumTotalTermFreq only see documents that have at least one term in the field.
    if (terms.length > 0) this.#docCount++;
    this.#totalLength += terms.length;
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      const list = this.#postings.get(t);
      if (list) list.push({ doc, tf: n });
      else this.#postings.set(t, [{ doc, tf: n }]);
    }
  }

  get size(): number {
    return this.#ids.length;
  }

  /** The best `limit` documents for the query, as [docId, score], score descending then docId ascending. */
  search(query: string, limit: number): [string, number][] {
    const n = this.#docCount;
    if (n === 0) return [];
    const k1 = this.#k1;
    const b = this.#b;
    const avgdl = f(this.#totalLength / n);
    // BM25Similarity's cache: 1 / (k1 · ((1 − b) + b · length / avgdl)) per norm byte, in float.
    const normInverse = new Map<number, number>();
    const inverse = (norm: number) => {
      let v = normInverse.get(norm);
      if (v === undefined) {
        v = f(1 / f(k1 * f(f(1 - b) + f(f(b * byte4ToInt(norm)) / avgdl))));
        normInverse.set(norm, v);
      }
      return v;
    };
    const counts = new Map<string, number>();
    for (const t of this.#tokenize(query)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const scores = new Map<number, number>();
    for (const [term, boost] of counts) {
      const postings = this.#postings.get(term);
      if (!postings) continue;
      const df = postings.length;
      const idf = f(Math.log(1 + (n - df + 0.5) / (df + 0.5)));
      const weight = f(boost * idf);
      for (const { doc, tf } of postings) {
        const s = f(weight - f(weight / f(1 + f(tf * inverse(this.#norms[doc])))));
        // Lucene sums clause scores in double and rounds the total to float.
        scores.set(doc, (scores.get(doc) ?? 0) + s);
      }
    }
    return [...scores.entries()]
      .map(([doc, s]): [string, number] => [this.#ids[doc], f(s)])
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit);
  }
}
