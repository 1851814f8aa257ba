/**
 * A small Okapi BM25 first stage over an in-memory corpus: inverted index, whole-word matching,
 * Robertson IDF ln(1 + (N − n + 0.5) / (n + 0.5)). Defaults k1 = 0.9, b = 0.4 (Pyserini's BEIR settings).
 * Written here rather than taken from npm: the packages checked either match substrings, lack an index or are
 * unmaintained (see README).
 */
export interface Bm25Options {
  k1?: number;
  b?: number;
  tokenize?: (text: string) => string[];
}

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
  readonly #lengths: number[] = [];
  readonly #postings = new Map<string, { doc: number; tf: number }[]>();
  #totalLength = 0;

  constructor(options: Bm25Options = {}) {
    this.#k1 = options.k1 ?? 0.9;
    this.#b = options.b ?? 0.4;
    this.#tokenize = options.tokenize ?? defaultTokenize;
  }

  add(id: string, text: string): void {
    const doc = this.#ids.length;
    const terms = this.#tokenize(text);
    this.#ids.push(id);
    this.#lengths.push(terms.length);
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
    const n = this.#ids.length;
    if (n === 0) return [];
    const avgdl = this.#totalLength / n || 1;
    const scores = new Map<number, number>();
    for (const term of new Set(this.#tokenize(query))) {
      const postings = this.#postings.get(term);
      if (!postings) continue;
      const idf = Math.log(1 + (n - postings.length + 0.5) / (postings.length + 0.5));
      for (const { doc, tf } of postings) {
        const norm = tf + this.#k1 * (1 - this.#b + (this.#b * this.#lengths[doc]) / avgdl);
        scores.set(doc, (scores.get(doc) ?? 0) + (idf * tf * (this.#k1 + 1)) / norm);
      }
    }
    return [...scores.entries()]
      .map(([doc, s]): [string, number] => [this.#ids[doc], s])
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit);
  }
}
