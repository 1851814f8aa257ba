import type { Document } from "../../src/core/documents.js";
import { createRanker, type Method, type Ranker } from "../../src/core/ranker.js";

/** Lower-cased word tokens. */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A deterministic test ranker: score = number of query words present in the document. A test tool only. */
export function lexicalMethod(calls: { docs: readonly Document[] }[] = []): Method {
  return {
    kind: "pointwise",
    async scoreDocuments(query, docs, ctx) {
      calls.push({ docs });
      const q = new Set(words(query));
      const scores = docs.map((d) => words(d.text).filter((w) => q.has(w)).length);
      ctx.progress(docs.length);
      return { scores };
    },
  };
}

export function lexicalRanker(): Ranker {
  return createRanker({ modelType: "lexical", model: "lexical-overlap", provider: null }, lexicalMethod());
}
