/**
 * Edge cases for every local method on its fixture(s): hard texts (CJK, emoji sequences, combining marks, RTL,
 * empty and whitespace-only documents, documents and queries past the model's max length), duplicates, ids and
 * metadata, topK, batchSize 1, score() vs rank(), abort, and broken model folders (typed ModelFilesError, exit 3).
 * The properties are invariants of the contract (src/core/ranker.ts, README), not numbers from the code under test.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import { AbortedError, InvalidInputError, ModelFilesError, RerankersError } from "../src/core/errors.js";
import type { Ranker } from "../src/core/ranker.js";
import type { RankedResults } from "../src/core/results.js";
import { type DtypeName, type ModelType, Reranker } from "../src/index.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath } from "./helpers/fixtures.js";

interface Subject {
  label: string;
  dir: string;
  modelType: ModelType;
  /** The ONNX file the method needs by default (relative to dir). */
  onnxFile: string;
}

const SUBJECTS: Subject[] = [
  s("tiny-bert-cross-encoder", "cross-encoder", "onnx/model.onnx"),
  s("tiny-xlm-roberta-cross-encoder", "cross-encoder", "onnx/model.onnx"),
  s("tiny-monobert", "cross-encoder", "onnx/model.onnx"),
  {
    label: "tiny-flashrank as flashrank",
    dir: fixturePath("tiny-flashrank", "ms-marco-TinyBERT-L-2-v2"),
    modelType: "flashrank",
    onnxFile: "flashrank-TinyBERT-L-2-v2.onnx",
  },
  s("tiny-monot5", "t5", "onnx/encoder_model.onnx"),
  s("tiny-monot5", "upr", "onnx/encoder_model.onnx"),
  s("tiny-colbert", "colbert", "onnx/model.onnx"),
  s("tiny-colbert-hf-layout", "colbert", "onnx/model.onnx"),
  // PyLate reads a Stanford colbert-ir folder too (README).
  s("tiny-colbert-hf-layout", "pylate", "onnx/model.onnx"),
  s("tiny-mxbai-v2", "mxbaiv2", "onnx/model.onnx"),
  s("tiny-mxbai-v2", "qwen3", "onnx/model.onnx"),
];

function s(fixture: string, modelType: ModelType, onnxFile: string): Subject {
  return { label: `${fixture} as ${modelType}`, dir: fixturePath(fixture), modelType, onnxFile };
}

/** Every call must settle within this bound (the fixtures are tiny; a hang fails instead of stalling the suite). */
const BOUND_MS = 15_000;

async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const LONG_DOC = Array.from({ length: 700 }, (_, i) => `word${i % 37} lorem ipsum`).join(" ");
const LONG_QUERY = Array.from({ length: 600 }, (_, i) => `query${i % 11} term`).join(" ");

/** Hard texts; `docsOf` turns keys into documents with string ids and metadata. */
const HARD: Record<string, string> = {
  plain: "The capital of France is Paris.",
  cjk: "東京は日本の首都です。北京是中国的首都。서울은 한국의 수도입니다.",
  emoji: "Family 👨‍👩‍👧‍👦 and 👩🏽‍💻 at work, flags 🇫🇷🇯🇵 🏳️‍🌈, thumbs 👍🏿 😀",
  combining: "Cafe\u0301 nai\u0308ve Z\u0335\u0321a\u0336l\u0337g\u0338o a\u0323\u0302 e\u0300\u0301\u0302",
  rtl: "مَرْحَبًا بِالْعَالَمِ — שָׁלוֹם עוֹלָם — Paris is في فرنسا",
  empty: "",
  whitespace: "  \n\t  ",
  long: LONG_DOC,
  tiny: "a",
};
const KEYS = Object.keys(HARD);
const QUERY = "What is the capital of France?";

interface Doc {
  text: string;
  docId: string;
  metadata: Record<string, unknown>;
}

function docsOf(keys: readonly string[], tag = ""): Doc[] {
  return keys.map((k, i) => ({
    text: HARD[k],
    docId: `${tag}${k}#${i}`,
    metadata: { key: k, i, nested: { tag } },
  }));
}

function assertComplete(res: RankedResults, docs: readonly Doc[], label: string): void {
  assert.equal(res.length, docs.length, `${label}: one result per document`);
  const seen = new Set<string>();
  res.results.forEach((r, i) => {
    assert.equal(r.rank, i + 1, `${label}: ranks are 1..n`);
    assert.equal(typeof r.docId, "string");
    assert.ok(!seen.has(r.docId as string), `${label}: ${String(r.docId)} appears twice`);
    seen.add(r.docId as string);
    const d = docs.find((x) => x.docId === r.docId);
    assert.ok(d, `${label}: unknown docId ${String(r.docId)}`);
    assert.equal(r.text, d.text, `${label}: text of ${d.docId}`);
    assert.deepEqual(r.metadata, d.metadata, `${label}: metadata of ${d.docId}`);
    assert.ok(Number.isFinite(r.score), `${label}: score of ${d.docId} is ${r.score}`);
    if (i > 0) assert.ok((res.results[i - 1].score as number) >= (r.score as number), `${label}: sorted`);
  });
}

function scoreByText(res: RankedResults): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of res) {
    const list = m.get(r.text) ?? [];
    list.push(r.score as number);
    m.set(r.text, list);
  }
  return m;
}

function near(a: number, b: number, tol: number, label: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${label}: ${a} vs ${b} (tolerance ${tol})`);
}

const rankers = new Map<string, Ranker>();
after(async () => {
  for (const r of rankers.values()) await r.close();
});

for (const subject of SUBJECTS) {
  describe(`edge cases: ${subject.label}`, { timeout: 60_000 }, () => {
    let ranker: Ranker;
    const get = async (): Promise<Ranker> => {
      if (!ranker) {
        // cacheBytes 0: ColBERT/PyLate encode every document in every call, so position independence is the
        // model's, not the embedding cache's (other methods ignore the option).
        ranker = await bounded(
          Reranker(subject.dir, {
            modelType: subject.modelType,
            ...(["colbert", "pylate"].includes(subject.modelType) ? { cacheBytes: 0 } : {}),
          }),
          `${subject.label}: load`,
        );
        rankers.set(subject.label, ranker);
      }
      return ranker;
    };

    it("hard texts: every document once with its id and metadata, finite scores, batched == batchSize 1", async () => {
      const r = await get();
      const docs = docsOf(KEYS);
      const batched = await bounded(r.rank(QUERY, docs), "rank");
      assertComplete(batched, docs, "batched");
      const single = await bounded(r.rank(QUERY, docs, { batchSize: 1 }), "rank batchSize 1");
      assertComplete(single, docs, "batchSize 1");
      for (const d of docs) {
        near(batched.scoreOf(d.docId) as number, single.scoreOf(d.docId) as number, 1e-4, d.docId);
      }
      // Other hard texts may legitimately exceed a small document budget (mxbaiv2 gives documents 1/4 of it).
      for (const id of ["long#7", "plain#0", "empty#5", "whitespace#6", "tiny#8"]) {
        const flagged = batched.resultOf(id)?.flags.truncated === true;
        assert.equal(flagged, id === "long#7", `flags.truncated of ${id}`);
      }
    });

    it("the same text gets the same score regardless of position and duplicates", async () => {
      const r = await get();
      const keys = ["plain", "emoji", "plain", "long", "empty", "emoji", "cjk", "plain", "long", "empty"];
      const a = await bounded(r.rank(QUERY, docsOf(keys)), "rank with duplicates");
      assertComplete(a, docsOf(keys), "duplicates");
      const reversed = [...keys].reverse();
      const b = await bounded(r.rank(QUERY, docsOf(reversed, "rev-")), "rank reversed");
      const sa = scoreByText(a);
      const sb = scoreByText(b);
      for (const [text, list] of sa) {
        const label = `text ${JSON.stringify(text.slice(0, 20))}`;
        for (const x of [...list, ...(sb.get(text) ?? [])]) near(x, list[0], 1e-5, label);
      }
    });

    it("score(q, d) equals the document's score in rank()", async () => {
      const r = await get();
      const docs = docsOf(["plain", "emoji", "long", "empty", "rtl"]);
      const res = await bounded(r.rank(QUERY, docs), "rank");
      for (const d of docs) {
        const one = await bounded(r.score(QUERY, d), `score ${d.docId}`);
        near(one, res.scoreOf(d.docId) as number, 1e-4, `score(${d.docId})`);
      }
    });

    it("topK 0, 1 and n + 5; a single document; a single string", async () => {
      const r = await get();
      const docs = docsOf(["plain", "cjk", "emoji", "tiny"]);
      const all = await bounded(r.rank(QUERY, docs), "rank");
      assert.equal((await r.rank(QUERY, docs, { topK: 0 })).length, 0);
      const top1 = await r.rank(QUERY, docs, { topK: 1 });
      assert.equal(top1.length, 1);
      assert.equal(top1[0].docId, all[0].docId);
      near(top1[0].score as number, all[0].score as number, 1e-5, "top1");
      const more = await r.rank(QUERY, docs, { topK: docs.length + 5 });
      assertComplete(more, docs, "topK n+5");
      assert.deepEqual(
        more.results.map((x) => x.docId),
        all.results.map((x) => x.docId),
      );
      const one = await r.rank(QUERY, [docs[1]]);
      assertComplete(one, [docs[1]], "single document");
      near(one[0].score as number, all.scoreOf(docs[1].docId) as number, 1e-4, "single document score");
      const str = await r.rank(QUERY, HARD.cjk);
      assert.equal(str.length, 1);
      assert.equal(str[0].docId, 0);
      near(str[0].score as number, all.scoreOf(docs[1].docId) as number, 1e-4, "single string score");
    });

    it("a query longer than the model's max length gives finite scores (flagged where the method flags)", async () => {
      const r = await get();
      const docs = docsOf(["plain", "empty", "long"]);
      const res = await bounded(r.rank(LONG_QUERY, docs), "rank long query");
      assertComplete(res, docs, "long query");
      for (const x of res) assert.equal(x.flags.truncated, true, `a cut query flags ${x.docId} as truncated`);
      near(
        await bounded(r.score(LONG_QUERY, docs[0]), "score long query"),
        res.scoreOf(docs[0].docId) as number,
        1e-4,
        "score() with a long query",
      );
    });

    it("45 documents in one call; many tiny documents", async () => {
      const r = await get();
      // Every hard text several times, but only two documents past the max length (they dominate the cost).
      const short = KEYS.filter((k) => k !== "long");
      const keys = Array.from({ length: 45 }, (_, i) =>
        i === 3 || i === 40 ? "long" : short[(i * 5) % short.length],
      );
      const docs = docsOf(keys, "big-");
      const progress: number[] = [];
      const res = await bounded(
        r.rank(QUERY, docs, {
          onProgress: (p) => {
            assert.equal(p.total, 45);
            progress.push(p.done);
          },
        }),
        "rank 45",
      );
      assert.ok(
        progress.every((d, i) => i === 0 || d >= progress[i - 1]),
        `progress is monotone: ${progress}`,
      );
      assert.equal(progress.at(-1), 45, "progress ends at every document");
      assertComplete(res, docs, "45 documents");
      const small = await bounded(r.rank(QUERY, docsOf(KEYS)), "rank hard");
      const ref = scoreByText(small);
      for (const x of res)
        near(x.score as number, (ref.get(x.text) as number[])[0], 1e-4, `45-doc ${x.docId}`);
      const tiny = Array.from({ length: 120 }, (_, i) => ({
        text: String.fromCharCode(97 + (i % 26)),
        docId: `t${i}`,
        metadata: { i },
      }));
      const many = await bounded(r.rank(QUERY, tiny), "rank 120 tiny");
      assertComplete(many, tiny, "120 tiny documents");
      const byText = scoreByText(many);
      for (const [text, list] of byText) for (const x of list) near(x, list[0], 1e-5, `tiny ${text}`);
    });

    it("hard queries score; a whitespace-only query is an InvalidInputError; no documents, no results", async () => {
      const r = await get();
      const docs = docsOf(["plain", "cjk", "empty"]);
      for (const key of ["cjk", "emoji", "combining", "rtl", "tiny"]) {
        const res = await bounded(r.rank(HARD[key], docs), `query ${key}`);
        assertComplete(res, docs, `query ${key}`);
      }
      await assert.rejects(r.rank(HARD.whitespace, docs), InvalidInputError);
      await assert.rejects(r.score("", docs[0]), InvalidInputError);
      assert.equal((await r.rank(QUERY, [])).length, 0);
    });

    it("concurrent calls on one ranker give the scores of sequential calls", async () => {
      const r = await get();
      const docs = docsOf(["plain", "cjk", "emoji", "tiny", "rtl", "empty"]);
      const alone = await bounded(r.rank(QUERY, docs), "rank");
      const together = await bounded(
        Promise.all([
          r.rank(QUERY, docs),
          r.rank(QUERY, docs, { batchSize: 2 }),
          r.rank(QUERY, docs.slice(2)),
        ]),
        "concurrent ranks",
      );
      for (const res of together) {
        for (const x of res)
          near(x.score as number, alone.scoreOf(x.docId) as number, 1e-4, `concurrent ${x.docId}`);
      }
    });

    it("AbortSignal: already aborted, and aborted mid-call, rejects with AbortedError", async () => {
      const r = await get();
      const docs = docsOf(KEYS);
      await assert.rejects(r.rank(QUERY, docs, { signal: AbortSignal.abort() }), AbortedError);
      await assert.rejects(r.score(QUERY, docs[0], { signal: AbortSignal.abort() }), AbortedError);
      const controller = new AbortController();
      let reported = 0;
      const call = r.rank(QUERY, docs, {
        batchSize: 1,
        signal: controller.signal,
        onProgress: (p) => {
          reported = p.done;
          if (p.done >= 1) controller.abort();
        },
      });
      await bounded(
        assert.rejects(call, AbortedError).then(() => undefined),
        "abort mid-call",
      );
      assert.ok(reported < docs.length, `stopped early (progress reached ${reported} of ${docs.length})`);
    });
  });
}

describe("close() while a call is in flight", () => {
  // Regression: a worker was terminated while onnxruntime ran in it, which aborted the whole process (SIGABRT).
  it("worker mode: the call rejects with a typed error and the process survives", async () => {
    const docs = Array.from({ length: 24 }, (_, i) => `document ${i} ${"word ".repeat(40 + i)}`);
    for (let round = 0; round < 2; round++) {
      const r = await Reranker(fixturePath("tiny-bert-cross-encoder"), {
        modelType: "cross-encoder",
        worker: true,
      });
      // rank() posts its first run synchronously; the timer closes while the worker runs it.
      const call = r.rank(QUERY, docs, { batchSize: 2 });
      await new Promise((resolve) => setTimeout(resolve, 0));
      const closing = r.close();
      await bounded(
        assert.rejects(call, (e: unknown) => e instanceof RerankersError).then(() => closing),
        "close during a worker call",
      );
    }
  });
});

// --- broken model folders --------------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), "rerankers-edge-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let copies = 0;

/** A copy under the fixture's own folder name (FlashRank names its ONNX file after it). */
function brokenCopy(subject: Subject, breakIt: (dir: string) => void): string {
  const dir = join(tmp, `m${copies++}`, basename(subject.dir));
  cpSync(subject.dir, dir, { recursive: true });
  breakIt(dir);
  return dir;
}

function expectModelFilesError(file: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ModelFilesError, `expected ModelFilesError, got ${String(e)}`);
    assert.equal(e.exitCode, 3);
    assert.ok(e.message.includes(file), `message names ${file}: ${e.message}`);
    assert.ok(!e.message.includes("\n"), "one-line message");
    return true;
  };
}

const BREAKAGES: { name: string; file: (s: Subject) => string; apply: (dir: string, s: Subject) => void }[] =
  [
    {
      name: "missing tokenizer.json",
      file: () => "tokenizer.json",
      apply: (d) => unlinkSync(join(d, "tokenizer.json")),
    },
    {
      name: "missing ONNX file",
      file: (s) => s.onnxFile.split("/").pop() as string,
      apply: (d, s) => unlinkSync(join(d, s.onnxFile)),
    },
    {
      name: "config.json that is not JSON",
      file: () => "config.json",
      apply: (d) => writeFileSync(join(d, "config.json"), "{ not json"),
    },
  ];

for (const subject of SUBJECTS) {
  describe(`broken model folders: ${subject.label}`, () => {
    for (const b of BREAKAGES) {
      it(`${b.name} -> ModelFilesError naming the file`, async () => {
        const dir = brokenCopy(subject, (d) => b.apply(d, subject));
        await bounded(
          assert.rejects(
            Reranker(dir, { modelType: subject.modelType }),
            expectModelFilesError(b.file(subject)),
          ),
          b.name,
        );
      });
    }
    // FlashRank archives ship one fixed ONNX file per name; it has no dtype option.
    it("a dtype whose file is absent -> ModelFilesError naming that file; an unknown dtype -> InvalidInputError", {
      skip: subject.modelType === "flashrank",
    }, async () => {
      // The variant name is the README's: onnx/model.onnx -> onnx/model_quantized.onnx for q8.
      const want = subject.onnxFile.replace(/\.onnx$/, "_quantized.onnx");
      await bounded(
        assert.rejects(
          Reranker(subject.dir, { modelType: subject.modelType, dtype: "q8" }),
          expectModelFilesError(want),
        ),
        "dtype q8",
      );
      await assert.rejects(
        Reranker(subject.dir, { modelType: subject.modelType, dtype: "fp64" as DtypeName }),
        InvalidInputError,
      );
    });
  });
}

const cli = (args: string[]) => runCli(args, { env: { NO_COLOR: "1" }, timeoutMs: 30_000 });

describe("CLI: broken model folders exit with code 3", () => {
  it("missing tokenizer.json (cross-encoder), config.json not JSON (t5), missing ONNX (mxbaiv2)", async () => {
    const [ce, t5, mx] = [SUBJECTS[0], SUBJECTS[4], SUBJECTS[8]];
    const cases = [
      { s: ce, dir: brokenCopy(ce, (d) => unlinkSync(join(d, "tokenizer.json"))), file: "tokenizer.json" },
      {
        s: t5,
        dir: brokenCopy(t5, (d) => writeFileSync(join(d, "config.json"), "{ not json")),
        file: "config.json",
      },
      { s: mx, dir: brokenCopy(mx, (d) => unlinkSync(join(d, mx.onnxFile))), file: "model.onnx" },
    ];
    const docs = join(tmp, "docs.json");
    writeFileSync(docs, JSON.stringify(["a", "b"]));
    const outs = await Promise.all(
      cases.map((c) =>
        cli([
          "rank",
          "--model",
          c.dir,
          "--model-type",
          c.s.modelType,
          "--query",
          "q",
          "--docs",
          docs,
          "--json",
        ]),
      ),
    );
    outs.forEach((o, i) => {
      assert.equal(o.code, 3, `${cases[i].s.label}: ${o.stderr}`);
      assert.ok(o.stderr.includes(cases[i].file), o.stderr);
    });
  });
});
