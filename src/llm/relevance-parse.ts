import type { TokenLogprob } from "./types.js";

export type RelevanceLabel = "RELEVANT" | "NOT_RELEVANT";

export interface Judgement {
  label: RelevanceLabel;
  /** Character offset of the label in the reply (to find its token's log-probability). */
  offset: number;
}

const MARKER = /<document\s+id\s*=\s*["']?(\d+)["']?\s*>/gi;
const ANSWER = /<answer>\s*(NOT[_ ]RELEVANT|RELEVANT)\b/i;

/**
 * Judgements by 0-based id within the call. A block runs from one `<document id=…>` marker to the next (a missing
 * `</document>` is tolerated); quoted ids are accepted; the first block for an id wins; ids outside `0..n-1` and
 * blocks without a RELEVANT/NOT_RELEVANT answer are ignored, so those documents stay unjudged.
 */
export function parseJudgements(reply: string, n: number): (Judgement | undefined)[] {
  const out: (Judgement | undefined)[] = new Array(n).fill(undefined);
  const markers = [...reply.matchAll(MARKER)];
  markers.forEach((m, k) => {
    const id = Number.parseInt(m[1], 10);
    if (id >= n || out[id] !== undefined) return;
    const from = (m.index ?? 0) + m[0].length;
    const to = k + 1 < markers.length ? (markers[k + 1].index ?? reply.length) : reply.length;
    const block = reply.slice(from, to);
    const a = ANSWER.exec(block);
    if (!a) return;
    const label: RelevanceLabel = a[1].toUpperCase().startsWith("NOT") ? "NOT_RELEVANT" : "RELEVANT";
    out[id] = { label, offset: from + a.index + a[0].length - a[1].length };
  });
  return out;
}

type Side = "RELEVANT" | "NOT_RELEVANT" | undefined;

/** Which answer a (possibly partial) token begins: "RE", "RELEVANT" → RELEVANT; "NOT", "N" → NOT_RELEVANT. */
function sideOf(token: string): Side {
  const t = token.replace(/^[\s>]+/, "").toUpperCase();
  if (t === "") return undefined;
  if ("NOT_RELEVANT".startsWith(t) || "NOT RELEVANT".startsWith(t)) return "NOT_RELEVANT";
  if ("RELEVANT".startsWith(t)) return "RELEVANT";
  if (t.startsWith("NOT_RELEVANT") || t.startsWith("NOT RELEVANT")) return "NOT_RELEVANT";
  if (t.startsWith("RELEVANT")) return "RELEVANT";
  return undefined;
}

/**
 * P(RELEVANT) at the answer token: the token covering `offset` is located by concatenating the token strings
 * (which must spell the reply); its top alternatives are split into those that begin RELEVANT and those that
 * begin NOT_RELEVANT, and `p = ΣP(relevant) / (ΣP(relevant) + ΣP(not relevant))`. Undefined when the tokens do not
 * spell the reply or no alternative is an answer.
 */
export function relevanceProbability(
  reply: string,
  tokens: readonly TokenLogprob[],
  offset: number,
): number | undefined {
  if (tokens.map((t) => t.token).join("") !== reply) return undefined;
  let pos = 0;
  for (const t of tokens) {
    const end = pos + t.token.length;
    if (offset >= pos && offset < end) {
      const alternatives = new Map<string, number>();
      for (const a of t.topLogprobs) if (!alternatives.has(a.token)) alternatives.set(a.token, a.logprob);
      if (!alternatives.has(t.token)) alternatives.set(t.token, t.logprob);
      let rel = 0;
      let not = 0;
      for (const [token, logprob] of alternatives) {
        const side = sideOf(token);
        if (side === "RELEVANT") rel += Math.exp(logprob);
        else if (side === "NOT_RELEVANT") not += Math.exp(logprob);
      }
      return rel + not > 0 ? rel / (rel + not) : undefined;
    }
    pos = end;
  }
  return undefined;
}

/**
 * P(RELEVANT) per 0-based id, read from the tokens alone: the judgements are parsed again from the tokens'
 * own text, so replies whose token strings do not spell the content exactly (byte-level pieces of non-ASCII text)
 * still find their answer tokens. An entry is undefined when that id has no answer in the tokens or its label
 * differs from `judgements` (the parse of the reply).
 */
export function answerProbabilities(
  judgements: readonly (Judgement | undefined)[],
  tokens: readonly TokenLogprob[],
): (number | undefined)[] {
  const text = tokens.map((t) => t.token).join("");
  const fromTokens = parseJudgements(text, judgements.length);
  return judgements.map((j, id) => {
    const t = fromTokens[id];
    if (j === undefined || t === undefined || t.label !== j.label) return undefined;
    return relevanceProbability(text, tokens, t.offset);
  });
}
