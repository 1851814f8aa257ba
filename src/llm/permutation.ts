/**
 * Read a ranking such as `[3] > [1] > [2]` from a model reply and return a full permutation of `0..n-1`.
 *
 * Survives real output: prose around the list (when the reply has bracketed ids only those are read, so
 * "Top 5 passages:" adds nothing), duplicates (the first mention wins), ids outside `1..n`, multi-digit ids, and
 * missing ids, which are appended in their previous order. Ids are 1-based in the reply.
 */
export function parsePermutation(reply: string, n: number): number[] {
  const bracketed = [...reply.matchAll(/\[\s*(\d+)\s*\]/g)].map((m) => m[1]);
  const numbers = bracketed.length > 0 ? bracketed : (reply.match(/\d+/g) ?? []);
  const seen = new Uint8Array(n);
  const order: number[] = [];
  for (const s of numbers) {
    const i = Number.parseInt(s, 10) - 1;
    if (i < 0 || i >= n || seen[i]) continue;
    seen[i] = 1;
    order.push(i);
  }
  for (let i = 0; i < n; i++) if (!seen[i]) order.push(i);
  return order;
}

/** How many ids of `0..n-1` the reply actually ranked (the rest were appended); for diagnostics. */
export function rankedCount(reply: string, n: number): number {
  const bracketed = [...reply.matchAll(/\[\s*(\d+)\s*\]/g)].map((m) => m[1]);
  const numbers = bracketed.length > 0 ? bracketed : (reply.match(/\d+/g) ?? []);
  return new Set(numbers.map((s) => Number.parseInt(s, 10) - 1).filter((i) => i >= 0 && i < n)).size;
}
