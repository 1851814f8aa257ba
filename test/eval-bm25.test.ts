/**
 * The built-in BM25 against Lucene. References, none computed by the code under test:
 * - examples/beir-sample/lucene-reference/*: outputs of Apache Lucene 8.7 itself (Debian's liblucene8-java, via
 *   LuceneReference.java / generate.sh): EnglishAnalyzer tokens, PorterStemFilter stems, BM25Similarity(0.9, 0.4)
 *   runs over the sample set and over a synthetic corpus with lengths 0–600;
 * - hand-computed values from Lucene's documented formulas (BM25Similarity, SmallFloat.intToByte4/byte4ToInt);
 * - stems from Porter's paper and published vocabulary, and Lucene's 33-word English stop set.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { segmenterTokenize } from "../src/eval/english-analyzer.js";
import {
  Bm25Index,
  byte4ToInt,
  englishAnalyze,
  evaluate,
  intToByte4,
  LUCENE_ENGLISH_STOP_WORDS,
  loadBeir,
  runEvaluation,
  standardTokenize,
} from "../src/eval/index.js";
import { REPO_ROOT } from "./helpers/fixtures.js";

const SAMPLE = join(REPO_ROOT, "examples/beir-sample");
const LUCENE = join(SAMPLE, "lucene-reference");
const read = (name: string) => readFileSync(join(LUCENE, name), "utf8");
const lines = (text: string) => text.split("\n").filter((l) => l !== "");

/** A TREC run file as rows [qid, docid, score]. */
function luceneRun(name: string): [string, string, number][] {
  return lines(read(name)).map((l) => {
    const [q, , d, , s] = l.split(" ");
    return [q, d, Number(s)];
  });
}

function assertSameAsLucene(index: Bm25Index, queries: [string, string][], runName: string) {
  const ref = luceneRun(runName);
  let compared = 0;
  for (const [qid, text] of queries) {
    const want = ref.filter((r) => r[0] === qid);
    const got = index.search(text, 1000);
    assert.equal(got.length, want.length, `${qid}: number of hits`);
    got.forEach(([doc, score], i) => {
      assert.equal(doc, want[i][1], `${qid} rank ${i + 1}`);
      // Lucene prints the shortest decimal that round-trips its float score: the same float, bit for bit.
      assert.equal(score, Math.fround(want[i][2]), `${qid} ${doc} score`);
      compared++;
    });
  }
  return compared;
}

describe("Lucene's EnglishAnalyzer", () => {
  it("has Lucene's 33 English stop words", () => {
    // EnglishAnalyzer.ENGLISH_STOP_WORDS_SET as printed by Lucene 8.7.
    const lucene =
      "but be with such then for no will not are and their if this on into a or there in that they was is it an the as at these by to of";
    assert.deepEqual([...LUCENE_ENGLISH_STOP_WORDS].sort(), lucene.split(" ").sort());
    assert.equal(LUCENE_ENGLISH_STOP_WORDS.size, 33);
  });

  it("stems like Porter's paper and published vocabulary", () => {
    const pairs: Record<string, string> = {
      caresses: "caress",
      ponies: "poni",
      ties: "ti",
      cats: "cat",
      feed: "feed",
      agreed: "agre",
      plastered: "plaster",
      bled: "bled",
      motoring: "motor",
      sing: "sing",
      conflated: "conflat",
      troubled: "troubl",
      sized: "size",
      hopping: "hop",
      tanned: "tan",
      falling: "fall",
      hissing: "hiss",
      fizzed: "fizz",
      failing: "fail",
      filing: "file",
      happy: "happi",
      sky: "sky",
      relational: "relat",
      conditional: "condit",
      rational: "ration",
      digitizer: "digit",
      vietnamization: "vietnam",
      predication: "predic",
      operator: "oper",
      feudalism: "feudal",
      decisiveness: "decis",
      hopefulness: "hope",
      callousness: "callous",
      triplicate: "triplic",
      formative: "form",
      formalize: "formal",
      electrical: "electr",
      hopeful: "hope",
      goodness: "good",
      revival: "reviv",
      allowance: "allow",
      inference: "infer",
      airliner: "airlin",
      gyroscopic: "gyroscop",
      adjustable: "adjust",
      defensible: "defens",
      irritant: "irrit",
      replacement: "replac",
      adjustment: "adjust",
      dependent: "depend",
      adoption: "adopt",
      communism: "commun",
      activate: "activ",
      angularity: "angular",
      homologous: "homolog",
      effective: "effect",
      bowdlerize: "bowdler",
      probate: "probat",
      rate: "rate",
      cease: "ceas",
      controlling: "control",
      roll: "roll",
      generalizations: "gener",
      oscillators: "oscil",
    };
    for (const [word, stem] of Object.entries(pairs)) assert.deepEqual(englishAnalyze(word), [stem], word);
  });

  it("stems ~1,600 dictionary words exactly as Lucene's PorterStemFilter", () => {
    const rows = lines(read("porter-stems.tsv")).map((l) => l.split("\t"));
    assert.ok(rows.length > 1500);
    for (const [word, stem] of rows) assert.deepEqual(englishAnalyze(word), [stem], word);
  });

  it("tokenizes like Lucene (possessives, punctuation, numbers, colons, underscores, CJK, Thai, emoji, case, 255-char limit)", () => {
    const texts = read("analyzer-cases.txt").split("\n");
    const tokens = read("analyzer-cases.tokens").split("\n");
    let n = 0;
    texts.forEach((text, i) => {
      if (text === "") return;
      assert.equal(englishAnalyze(text).join(" "), tokens[i], `line ${i + 1}: ${text.slice(0, 40)}`);
      n++;
    });
    assert.equal(n, 18);
  });
});

describe("StandardTokenizer's ASCII fast path", () => {
  it("splits ASCII text exactly as the Unicode (Intl.Segmenter) path", () => {
    const chars = "aZy9 0_.,;:'\"-/!?()@#\t\n".split("");
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chars, "ab", "12", "x_y", "it's", "3.14"), { maxLength: 40 }),
        (parts) => {
          const text = parts.join("");
          assert.deepEqual(standardTokenize(text), segmenterTokenize(text), JSON.stringify(text));
        },
      ),
      { numRuns: 2000, seed: 16 },
    );
  });
});

describe("Lucene's length norms (SmallFloat.intToByte4 / byte4ToInt)", () => {
  it("stores lengths below 24 exactly and keeps 4 significant bits above", () => {
    // Hand-computed from SmallFloat: NUM_FREE_VALUES = 255 − longToInt4(2^31 − 1) = 255 − 231 = 24.
    // 41: 41 − 24 = 17 = 0b10001 → shift 1, mantissa 0 → int4 16 → byte 40 → decodes to 24 + 16 = 40.
    // 100: 76 = 0b1001100 → shift 3, (76 >>> 3) & 7 = 1, | 4 << 3 → 33 → byte 57 → 24 + (9 << 3) = 96.
    // 1000: 976 → shift 6, 15 & 7 = 7, | 7 << 3 → 63 → byte 87 → 24 + (15 << 6) = 984.
    const cases: [number, number, number][] = [
      [0, 0, 0],
      [1, 1, 1],
      [23, 23, 23],
      [24, 24, 24],
      [40, 40, 40],
      [41, 40, 40],
      [100, 57, 96],
      [1000, 87, 984],
    ];
    for (const [length, byte, decoded] of cases) {
      assert.equal(intToByte4(length), byte, `intToByte4(${length})`);
      assert.equal(byte4ToInt(byte), decoded, `byte4ToInt(${byte})`);
    }
    assert.equal(intToByte4(2 ** 31 - 1), 255);
  });
});

describe("BM25 (Lucene's BM25Similarity, k1 0.9, b 0.4)", () => {
  // Documents: 41 and 100 tokens (quantised to 40 and 96), one of 1 token, and one of stop words only (no terms:
  // not counted in N or avgdl). "apple"/"apples" stem to "appl"; "zz" is too short to stem.
  const zz = (n: number) => Array.from({ length: n }, () => "zz").join(" ");
  const index = new Bm25Index();
  index.add("d1", `apple ${zz(40)}`);
  index.add("d2", `apple apples ${zz(98)}`);
  index.add("d3", "banana");
  index.add("d4", "the of and");
  const N = 3;
  const avgdl = 142 / 3;
  const bm25 = (idf: number, tf: number, len: number) =>
    (idf * tf) / (tf + 0.9 * (0.6 + (0.4 * len) / avgdl));
  const idfAppl = Math.log(1 + (N - 2 + 0.5) / (2 + 0.5));
  const idfBanana = Math.log(1 + (N - 1 + 0.5) / (1 + 0.5));
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 2e-6 * Math.abs(b), `${a} vs ${b}`);

  it("uses quantised lengths, N and avgdl over documents with terms", () => {
    const hits = new Map(index.search("apples", 10));
    assert.deepEqual([...hits.keys()].sort(), ["d1", "d2"]);
    close(hits.get("d1") as number, bm25(idfAppl, 1, 40));
    close(hits.get("d2") as number, bm25(idfAppl, 2, 96));
    // The unquantised lengths (41, 100) would give measurably different scores.
    assert.ok(Math.abs((hits.get("d1") as number) - bm25(idfAppl, 1, 41)) > 1e-4);
    assert.ok(Math.abs((hits.get("d2") as number) - bm25(idfAppl, 2, 100)) > 1e-4);
  });

  it("weights a repeated query term by its count and ignores stop words in the query", () => {
    const hits = new Map(index.search("The apple, the apple and a banana", 10));
    close(hits.get("d1") as number, 2 * bm25(idfAppl, 1, 40));
    close(hits.get("d3") as number, bm25(idfBanana, 1, 1));
    assert.deepEqual(index.search("the of and", 10), []);
  });

  it("scores the sample set exactly as Lucene 8.7 (every hit, bit for bit)", async () => {
    const data = await loadBeir(SAMPLE);
    const idx = new Bm25Index();
    for (const [id, d] of data.corpus) idx.add(id, `${d.title} ${d.text}`);
    assert.equal(assertSameAsLucene(idx, [...data.queries], "bm25.run"), 43);
  });

  it("scores a synthetic corpus with lengths 0–600 exactly as Lucene 8.7", () => {
    const tsv = (name: string) => lines(read(name)).map((l) => l.split("\t") as [string, string]);
    const idx = new Bm25Index();
    for (const [id, text] of tsv("synthetic-docs.tsv")) idx.add(id, text ?? "");
    assert.ok(assertSameAsLucene(idx, tsv("synthetic-queries.tsv"), "synthetic.run") > 900);
  });

  it("on the sample set, the first stage's nDCG@10 and Recall@100 are within 0.005 of Lucene's run", async () => {
    const data = await loadBeir(SAMPLE);
    const report = await runEvaluation("sample", data, []);
    const run = new Map<string, Map<string, number>>();
    for (const [q, d, s] of luceneRun("bm25.run")) run.set(q, (run.get(q) ?? new Map()).set(d, s));
    const lucene = evaluate(run, data.qrels).mean;
    const ours = report.systems[0].mean;
    assert.ok(
      Math.abs(ours["ndcg@10"] - lucene["ndcg@10"]) <= 0.005,
      `${ours["ndcg@10"]} vs ${lucene["ndcg@10"]}`,
    );
    assert.ok(Math.abs(ours["recall@100"] - lucene["recall@100"]) <= 0.005);
    // Lucene's run scored by hand from bm25.run and the qrels (gains 2^rel − 1; ties by docid descending as
    // trec_eval, so q5's d28 precedes d25). nDCG@10 per query: q1 3.63093/4.13093, q2 0, q3 4.06862/5.39279,
    // q4 3/3.63093, q5 and q6 3.5/3.63093, q7 2.40196/4.13093, q8 1 → mean 0.746124. Recall@100: 2/3, 0, 2/3, 1/2,
    // 1, 1, 1, 1 → 35/48.
    assert.ok(Math.abs(lucene["ndcg@10"] - 0.746124) < 1e-5, String(lucene["ndcg@10"]));
    assert.ok(Math.abs(lucene["recall@100"] - 35 / 48) < 1e-9);
  });
});
