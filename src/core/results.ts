import { type DocId, Document, type DocumentJSON } from "./documents.js";
import { InvalidInputError } from "./errors.js";

/** Per-result facts a method may report besides the score. */
export interface ResultFlags {
  /** The document (or query) was cut to the model's maximum length. */
  truncated?: boolean;
  /** A pointwise LLM judge did not return a judgement for this document (its score is absent). */
  unjudged?: boolean;
}

export interface ResultJSON {
  document: DocumentJSON;
  score?: number;
  rank: number;
  flags?: ResultFlags;
}

/** One ranked document. `score` is absent for listwise methods; `rank` is 1-based and always set. */
export class Result {
  readonly document: Document;
  readonly score: number | undefined;
  readonly rank: number;
  readonly flags: Readonly<ResultFlags>;

  constructor(document: Document, score: number | undefined, rank: number, flags: ResultFlags = {}) {
    this.document = document;
    this.score = score;
    this.rank = rank;
    this.flags = flags;
  }

  get text(): string {
    return this.document.text;
  }
  get docId(): DocId {
    return this.document.docId;
  }
  get metadata(): Record<string, unknown> {
    return this.document.metadata;
  }

  toJSON(): ResultJSON {
    const out: ResultJSON = { document: this.document.toJSON(), rank: this.rank };
    if (this.score !== undefined) out.score = this.score;
    if (Object.keys(this.flags).length > 0) out.flags = { ...this.flags };
    return out;
  }

  static fromJSON(json: ResultJSON): Result {
    const d = json.document;
    return new Result(
      new Document(d.text, d.docId, d.metadata ?? {}),
      json.score,
      json.rank,
      json.flags ?? {},
    );
  }
}

export interface RankedResultsJSON {
  query: string;
  hasScores: boolean;
  results: ResultJSON[];
}

/**
 * Results in rank order. Iterable, indexable (`results[0]` is the best), with O(1) look-up by docId.
 */
export class RankedResults implements Iterable<Result> {
  readonly query: string;
  readonly hasScores: boolean;
  readonly results: readonly Result[];
  readonly [index: number]: Result;
  readonly #byId: Map<DocId, Result>;

  constructor(query: string, results: readonly Result[], hasScores: boolean) {
    this.query = query;
    this.hasScores = hasScores;
    this.results = Object.freeze([...results]);
    this.#byId = new Map();
    for (const r of this.results) {
      if (this.#byId.has(r.docId))
        throw new InvalidInputError(`duplicate docId ${JSON.stringify(r.docId)} in results`);
      this.#byId.set(r.docId, r);
    }
    this.results.forEach((r, i) => {
      Object.defineProperty(this, i, { value: r, enumerable: false });
    });
  }

  get length(): number {
    return this.results.length;
  }

  [Symbol.iterator](): Iterator<Result> {
    return this.results[Symbol.iterator]();
  }

  at(index: number): Result | undefined {
    return this.results.at(index);
  }

  /** The best `k` results (all of them when k >= length). */
  topK(k: number): RankedResults {
    if (!Number.isInteger(k) || k < 0)
      throw new InvalidInputError(`topK must be a non-negative integer, got ${k}`);
    return new RankedResults(this.query, this.results.slice(0, k), this.hasScores);
  }

  scoreOf(docId: DocId): number | undefined {
    return this.#byId.get(docId)?.score;
  }

  resultOf(docId: DocId): Result | undefined {
    return this.#byId.get(docId);
  }

  toJSON(): RankedResultsJSON {
    return { query: this.query, hasScores: this.hasScores, results: this.results.map((r) => r.toJSON()) };
  }

  static fromJSON(json: RankedResultsJSON): RankedResults {
    return new RankedResults(json.query, json.results.map(Result.fromJSON), json.hasScores);
  }
}
