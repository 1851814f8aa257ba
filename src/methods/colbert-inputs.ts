/**
 * Input rules of Python rerankers' ColBERTRanker (models/colbert_ranker.py, from JQaRA): the marker after [CLS],
 * the dynamic query length padded with [MASK], and the document length rounded to 32 from the call's longest
 * document. Pure functions over a tokenizer's `encode`.
 */

/** What the rules need from the tokenizer: `tokenizer(text, truncation=True, max_length)`. */
export interface TextEncoder {
  encode(text: string, maxLength?: number): { ids: number[]; truncated: boolean };
}

/** `ids` with `marker` inserted at position 1 (after the first special token), as `_insert_token` does. */
export function insertMarker(ids: readonly number[], marker: number): number[] {
  if (ids.length === 0) return [marker];
  return [ids[0], marker, ...ids.slice(1)];
}

/** Query length after [MASK] augmentation: n % 16 <= 8 -> n + 8, else the next multiple of 16. */
export function augmentedQueryLength(n: number): number {
  return n % 16 <= 8 ? n + 8 : Math.ceil(n / 16) * 16;
}

/** The documents' max length for a call: the longest document rounded up to 32, at least 32, at most the cap. */
export function documentMaxLength(longest: number, docMaxLength: number): number {
  return Math.min(Math.max(Math.ceil(longest / 32) * 32, 32), docMaxLength);
}

export interface ColbertQuery {
  /** Marker inserted, [MASK] appended. */
  ids: number[];
  /** The first `attended` positions have attention 1; the [MASK] expansion has 0. */
  attended: number;
  /** The query was cut to docMaxLength - 1. */
  truncated: boolean;
}

export interface ColbertDocuments {
  /** Marker inserted; unpadded. */
  ids: number[][];
  truncated: boolean[];
  /** The max length the rule chose for this call (marker included). */
  maxLength: number;
}

export interface ColbertRules {
  markerId: number;
  /** `max_position_embeddings - 2` in Python. */
  docMaxLength: number;
}

/** Query: tokenised with truncation at docMaxLength - 1, marker inserted, [MASK] up to the augmented length. */
export function colbertQuery(
  tok: TextEncoder,
  query: string,
  rules: ColbertRules & { maskId: number },
): ColbertQuery {
  const enc = tok.encode(query, rules.docMaxLength - 1);
  const ids = insertMarker(enc.ids, rules.markerId);
  const attended = ids.length;
  const qlen = augmentedQueryLength(attended);
  while (ids.length < qlen) ids.push(rules.maskId);
  return { ids, attended, truncated: enc.truncated };
}

/**
 * Documents: the longest untruncated-to-cap length picks the call's max length; every document is tokenised with
 * truncation at maxLength - 1 and gets the marker (so the longest loses its last content token when its length
 * is already a multiple of 32, exactly as in Python).
 */
export function colbertDocuments(
  tok: TextEncoder,
  texts: readonly string[],
  rules: ColbertRules,
): ColbertDocuments {
  const full = texts.map((t) => tok.encode(t, rules.docMaxLength));
  const longest = full.reduce((m, e) => Math.max(m, e.ids.length), 0);
  const maxLength = documentMaxLength(longest, rules.docMaxLength);
  const ids: number[][] = [];
  const truncated: boolean[] = [];
  texts.forEach((text, i) => {
    // Only a document at least maxLength long is cut by the second tokenisation.
    const enc = full[i].ids.length >= maxLength ? tok.encode(text, maxLength - 1) : full[i];
    ids.push(insertMarker(enc.ids, rules.markerId));
    truncated.push(enc.truncated);
  });
  return { ids, truncated, maxLength };
}
