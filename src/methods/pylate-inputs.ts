/**
 * PyLate's `ColBERT.preprocess` / `encode` input rules: texts stripped (and lower-cased when the checkpoint says
 * so), tokenised with truncation at length - 1, the prefix token inserted at position 1; queries padded with the
 * expansion token up to `queryLength`; punctuation (the skiplist) left out of document scoring.
 */
import { insertMarker, type TextEncoder } from "./colbert-inputs.js";
import type { PyLateSettings } from "./pylate-config.js";

export interface PyLateTokens {
  /** Prefix token id, or undefined when the prefix is "". */
  queryPrefixId: number | undefined;
  documentPrefixId: number | undefined;
  /** The query expansion token (PyLate sets pad = [MASK], else EOS, else PAD). */
  expansionId: number;
  /** Token ids excluded from document scoring. */
  skiplist: ReadonlySet<number>;
}

export interface PyLateQuery {
  ids: number[];
  /** attention_mask = 1 for the first `attended` positions. */
  attended: number;
  /** Query vectors that take part in the score (all positions when expanding, else the attended ones). */
  scored: number;
  /** The query was cut to `queryLength`. */
  truncated: boolean;
}

export interface PyLateDocument {
  ids: number[];
  truncated: boolean;
  /** Positions scored: every position whose id is not in the skiplist. */
  keep: (position: number, id: number) => boolean;
}

function prepare(text: string, settings: PyLateSettings): string {
  // sentence-transformers' Transformer.tokenize strips every text (Python str.strip) and lower-cases on request.
  const t = text.trim();
  return settings.doLowerCase ? t.toLowerCase() : t;
}

export function pylateQuery(
  tok: TextEncoder,
  query: string,
  settings: PyLateSettings,
  tokens: PyLateTokens,
): PyLateQuery {
  const prefix = tokens.queryPrefixId;
  const budget = prefix === undefined ? settings.queryLength : settings.queryLength - 1;
  const enc = tok.encode(prepare(query, settings), budget);
  let ids = enc.ids;
  let attended = ids.length;
  if (settings.doQueryExpansion) {
    while (ids.length < budget) ids.push(tokens.expansionId);
  }
  if (prefix !== undefined) {
    ids = insertMarker(ids, prefix);
    attended++;
  }
  if (settings.attendToExpansionTokens) attended = ids.length;
  return {
    ids,
    attended,
    scored: settings.doQueryExpansion ? ids.length : attended,
    truncated: enc.truncated,
  };
}

export function pylateDocument(
  tok: TextEncoder,
  text: string,
  settings: PyLateSettings,
  tokens: PyLateTokens,
): PyLateDocument {
  const prefix = tokens.documentPrefixId;
  const budget = prefix === undefined ? settings.documentLength : settings.documentLength - 1;
  const enc = tok.encode(prepare(text, settings), budget);
  const ids = prefix === undefined ? enc.ids : insertMarker(enc.ids, prefix);
  const skip = tokens.skiplist;
  return { ids, truncated: enc.truncated, keep: (_p, id) => !skip.has(id) };
}
