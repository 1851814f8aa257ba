/**
 * Paired significance tests over per-query scores: Student's paired t-test and a paired randomization
 * (sign-flip permutation) test with a fixed seed, plus Holm–Bonferroni correction for several comparisons.
 */

export interface PairedTest {
  /** Mean of a − b. */
  meanDiff: number;
  t: number;
  df: number;
  /** Two-sided p-value of the paired t-test. */
  tP: number;
  /** Two-sided p-value of the randomization test ((hits + 1) / (trials + 1)). */
  randP: number;
  wins: number;
  ties: number;
  losses: number;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom: P(|T| ≥ |t|). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** mulberry32: a small seeded PRNG, so randomization p-values are reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

const EPS = 1e-12;

/**
 * Paired tests of a against b over the same queries. t is (mean diff) / (sd / √n) with the n − 1 sample sd; when
 * every difference is equal, t is ±∞ (p = 0) or, when they are all 0, t = 0 (p = 1).
 */
export function pairedTests(
  a: readonly number[],
  b: readonly number[],
  trials = 10_000,
  seed = 42,
): PairedTest {
  if (a.length !== b.length) throw new RangeError("paired samples must have the same length");
  const n = a.length;
  const d = a.map((x, i) => x - b[i]);
  const mean = n === 0 ? 0 : d.reduce((s, x) => s + x, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const df = Math.max(n - 1, 0);
  let t: number;
  if (Math.abs(mean) < EPS) t = 0;
  else if (sd < EPS) t = mean > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  else t = mean / (sd / Math.sqrt(n));
  const tP = n < 2 ? 1 : t === 0 ? 1 : studentTwoSidedP(t, df);

  // Randomization: flip the sign of each query's difference at random; two-sided on |sum|.
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  const random = seededRandom(seed);
  let hits = 0;
  for (let r = 0; r < trials; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += random() < 0.5 ? d[i] : -d[i];
    if (Math.abs(sum) >= observed - EPS) hits++;
  }
  const randP = (hits + 1) / (trials + 1);

  let wins = 0;
  let ties = 0;
  let losses = 0;
  for (const x of d) {
    if (x > EPS) wins++;
    else if (x < -EPS) losses++;
    else ties++;
  }
  return { meanDiff: mean, t, df, tP, randP, wins, ties, losses };
}

/** Holm–Bonferroni adjusted p-values (same order as the input); reject where adjusted p ≤ α. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
