/**
 * The bench workload cut the way the library cuts it (pairs tokenised once, length-sorted, token-budget batches),
 * as raw onnxruntime feeds, for the scripts that drive a session directly (profile.ts, session-options.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "onnxruntime-node";
import { planBatches } from "../src/engine/batching.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { FIXTURES, pairGflop } from "./cross-encoder.js";

export const MODEL_DIR = join(FIXTURES, "minilm-l6-h384-random");

export interface Batch {
  ids: number[][];
  types: number[][];
}

export interface WorkloadBatches {
  batches: Batch[];
  pairs: number;
  tokens: number;
  paddedTokens: number;
  usefulGflop: number;
}

/** The first `queries` workload queries as batches of at most `budget` padded tokens. */
export async function workloadBatches(budget: number, queries: number): Promise<WorkloadBatches> {
  const workload = JSON.parse(readFileSync(join(FIXTURES, "bench", "workload.json"), "utf8")) as {
    queries: { query: string; docs: { text: string }[] }[];
  };
  const tokenizer = await Tokenizer.fromDir(MODEL_DIR);
  const out: WorkloadBatches = { batches: [], pairs: 0, tokens: 0, paddedTokens: 0, usefulGflop: 0 };
  for (const q of workload.queries.slice(0, queries)) {
    const enc = q.docs.map((d) => tokenizer.encodePair(q.query, d.text, 512));
    for (const e of enc) {
      out.usefulGflop += pairGflop(e.ids.length);
      out.tokens += e.ids.length;
    }
    out.pairs += enc.length;
    for (const b of planBatches(
      enc.map((e) => e.ids.length),
      budget,
      Number.POSITIVE_INFINITY,
    )) {
      out.batches.push({ ids: b.map((i) => enc[i].ids), types: b.map((i) => enc[i].typeIds) });
      out.paddedTokens += enc[b[0]].ids.length * b.length;
    }
  }
  return out;
}

/** A batch as the BERT inputs (rows padded with 0 to the longest, mask 0 on padding). */
export function bertFeeds(ort: { Tensor: typeof Tensor }, b: Batch): Record<string, Tensor> {
  const width = Math.max(...b.ids.map((row) => row.length));
  const n = b.ids.length * width;
  const ids = new BigInt64Array(n);
  const mask = new BigInt64Array(n);
  const types = new BigInt64Array(n);
  b.ids.forEach((row, r) => {
    row.forEach((t, j) => {
      ids[r * width + j] = BigInt(t);
      mask[r * width + j] = 1n;
      types[r * width + j] = BigInt(b.types[r][j]);
    });
  });
  const dims = [b.ids.length, width];
  return {
    input_ids: new ort.Tensor("int64", ids, dims),
    attention_mask: new ort.Tensor("int64", mask, dims),
    token_type_ids: new ort.Tensor("int64", types, dims),
  };
}
