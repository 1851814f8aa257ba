import type { Ranker } from "../../src/core/ranker.js";
import { fixturePath, readReference } from "./fixtures.js";

/** The causal-LM fixture shared by the mxbaiv2 and qwen3 blocks. */
export const CAUSAL_DIR = fixturePath("tiny-mxbai-v2");

export interface CausalCase {
  name: string;
  query: string;
  docs: { text: string; docId: string | number; metadata?: Record<string, unknown> }[];
  instruction: string | null;
  input_ids: number[][];
  query_ids?: number[];
  doc_max_length?: number;
  scores: number[];
  ranking: (string | number)[];
}

export function causalBlock(block: "mxbaiv2" | "qwen3") {
  return readReference("tiny-mxbai-v2")[block] as { cases: CausalCase[] } & Record<string, unknown>;
}

/** Rank one reference case and check scores (1e-4), ranking and ids; returns the largest score difference. */
export async function rankCase(ranker: Ranker, c: CausalCase) {
  const res = await ranker.rank(
    c.query,
    c.docs.map((d) => d.text),
    { docIds: c.docs.map((d) => d.docId), metadata: c.docs.map((d) => d.metadata) },
  );
  const byId = new Map(res.results.map((r) => [r.docId, r]));
  const scores = c.docs.map((d) => byId.get(d.docId)?.score as number);
  return { res, scores, ranking: res.results.map((r) => r.docId) };
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return a.length === b.length ? worst : Number.POSITIVE_INFINITY;
}
