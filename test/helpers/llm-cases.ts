import { after } from "node:test";
import { type Oracle, type OracleOptions, startOracle } from "./llm-oracle.js";

/** Starts oracles that judge with `relevance`; every oracle started is closed after the file's tests. */
export function oracleStarter(
  relevance: Record<string, number>,
): (options?: Partial<OracleOptions>) => Promise<Oracle> {
  const oracles: Oracle[] = [];
  after(async () => {
    await Promise.all(oracles.map((o) => o.close()));
  });
  return async (options = {}) => {
    const o = await startOracle({ relevance, ...options });
    oracles.push(o);
    return o;
  };
}

/** The results' document ids, in rank order. */
export const docIds = (results: Iterable<{ docId: string | number }>) => [...results].map((r) => r.docId);

/** Sorts indices of `texts` by descending `relevance` (ties keep their order). */
export function byRelevanceOf(
  texts: readonly string[],
  relevance: Record<string, number>,
): (ids: number[]) => number[] {
  return (ids) => [...ids].sort((a, b) => relevance[texts[b]] - relevance[texts[a]]);
}

/** Sliding windows over 45 documents with window 20 and step 10, in the order they run (back to front). */
export const WINDOWS_45_20_10: readonly (readonly [number, number])[] = [
  [25, 45],
  [15, 35],
  [5, 25],
  [0, 15],
];

/** The final order of `n` documents when every window, in turn, is sorted perfectly by `sort`. */
export function windowedOrder(
  n: number,
  windows: readonly (readonly [number, number])[],
  sort: (ids: number[]) => number[],
): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (const [s, e] of windows) order.splice(s, e - s, ...sort(order.slice(s, e)));
  return order;
}
