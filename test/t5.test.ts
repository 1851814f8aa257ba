import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { InvalidInputError, ModelFilesError, type Ranker, Reranker } from "../src/index.js";
import { fillTemplate, T5_MAX_LENGTH, T5_TEMPLATE, t5InputIds, trueProbability } from "../src/methods/t5.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const DIR = fixturePath("tiny-monot5");
const ref = readReference("tiny-monot5");

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
type Case = any;

function assertClose(
  actual: readonly number[],
  expected: readonly number[],
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Scores in input order and the ranking (docIds, best first, as reference.json writes it) from one rank() call. */
async function rankCase(ranker: Ranker, c: Case): Promise<{ scores: number[]; ranking: unknown[] }> {
  const docIds = c.docs.map((d: Case) => d.docId);
  const metadata = c.docs.map((d: Case) => d.metadata);
  const res = await ranker.rank(
    c.query,
    c.docs.map((d: Case) => d.text),
    { docIds, metadata },
  );
  const scores = new Array<number>(c.docs.length);
  for (const r of res.results) {
    const i = docIds.indexOf(r.document.docId);
    assert.deepEqual(r.document.metadata, c.docs[i].metadata ?? {});
    scores[i] = r.score as number;
  }
  return { scores, ranking: res.results.map((r) => r.document.docId) };
}

describe("t5 inputs", () => {
  let tok: Tokenizer;
  before(async () => {
    tok = await Tokenizer.fromDir(DIR);
  });

  it("reference settings are the defaults", () => {
    assert.equal(ref.inputs_template, T5_TEMPLATE);
    assert.equal(ref.max_length, T5_MAX_LENGTH);
  });

  for (const c of ref.cases as Case[]) {
    it(`input ids equal the reference: ${c.name}`, () => {
      const ids = t5InputIds(
        tok,
        T5_TEMPLATE,
        c.query,
        c.docs.map((d: Case) => d.text),
        T5_MAX_LENGTH,
      );
      assert.deepEqual(ids, c.input_ids);
    });
  }

  it("fills the template in one pass", () => {
    assert.equal(
      fillTemplate("Q: {query} D: {text}", { query: "{text}", text: "{query}" }),
      "Q: {text} D: {query}",
    );
  });

  it("P(true) is the softmax over [false, true]", () => {
    assert.equal(trueProbability(0, 0), 0.5);
    assert.ok(Math.abs(trueProbability(1, 3) - Math.exp(3) / (Math.exp(1) + Math.exp(3))) < 1e-15);
    assert.equal(trueProbability(-1000, 1000), 1);
  });
});

describe("t5 parity with reference.json (library)", () => {
  let ranker: Ranker;
  let logitRanker: Ranker;
  before(async () => {
    ranker = await Reranker(DIR, { modelType: "t5", threads: 1 });
    logitRanker = await Reranker(DIR, { modelType: "t5", threads: 1, returnLogits: true });
  });
  after(async () => {
    await ranker?.close();
    await logitRanker?.close();
  });

  it("the ranker identifies itself", () => {
    assert.equal(ranker.modelType, "t5");
    assert.equal(ranker.model, DIR);
    assert.equal(ranker.provider, null);
  });

  for (const c of ref.cases as Case[]) {
    it(`scores and ranking: ${c.name}`, async () => {
      const { scores, ranking } = await rankCase(ranker, c);
      assertClose(scores, c.scores, 1e-4, "scores");
      assert.deepEqual(ranking, c.ranking);
    });
    it(`logits and ranking with returnLogits: ${c.name}`, async () => {
      const { scores, ranking } = await rankCase(logitRanker, c);
      assertClose(scores, c.logits, 1e-4, "logits");
      assert.deepEqual(ranking, c.ranking_logits);
    });
  }

  it("batching does not change scores (batchSize 3 and a small token budget)", async () => {
    const c = ref.cases.find((x: Case) => x.docs.length > 10);
    const small = await Reranker(DIR, { modelType: "t5", threads: 1, tokenBudget: 200 });
    try {
      const res = await ranker.rank(
        c.query,
        c.docs.map((d: Case) => d.text),
        { batchSize: 3 },
      );
      const byId = new Map(res.results.map((r) => [r.document.docId, r.score as number]));
      assertClose(
        c.docs.map((_: Case, i: number) => byId.get(i) as number),
        c.scores,
        1e-4,
        "batchSize 3",
      );
      const res2 = await small.rank(
        c.query,
        c.docs.map((d: Case) => d.text),
      );
      const byId2 = new Map(res2.results.map((r) => [r.document.docId, r.score as number]));
      assertClose(
        c.docs.map((_: Case, i: number) => byId2.get(i) as number),
        c.scores,
        1e-4,
        "tokenBudget 200",
      );
    } finally {
      await small.close();
    }
  });

  it("worker mode gives the same scores", async () => {
    const c = ref.cases[0];
    const w = await Reranker(DIR, { modelType: "t5", threads: 1, worker: true });
    try {
      const { scores } = await rankCase(w, c);
      assertClose(scores, c.scores, 1e-4, "worker scores");
    } finally {
      await w.close();
    }
  });

  it("score() gives the reference P(true) for one pair", async () => {
    const c = ref.cases[0];
    const s = await ranker.score(c.query, c.docs[1].text);
    assert.ok(Math.abs(s - c.scores[1]) <= 1e-4);
  });

  it("reports progress and stops on abort", async () => {
    const c = ref.cases[0];
    const seen: number[] = [];
    await ranker.rank(
      c.query,
      c.docs.map((d: Case) => d.text),
      { batchSize: 2, onProgress: (p) => seen.push(p.done) },
    );
    assert.equal(seen.at(-1), c.docs.length);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      ranker.rank(
        c.query,
        c.docs.map((d: Case) => d.text),
        { signal: ac.signal },
      ),
      { name: "AbortedError" },
    );
  });
});

describe("t5 true/false token options", () => {
  const c = ref.cases[0];
  const texts = c.docs.map((d: Case) => d.text);

  it("swapped tokens give 1 - P(true) (string tokens)", async () => {
    const r = await Reranker(DIR, {
      modelType: "t5",
      threads: 1,
      tokenTrue: ref.token_false,
      tokenFalse: ref.token_true,
    });
    try {
      const res = await r.rank(c.query, texts);
      for (const x of res.results)
        assert.ok(Math.abs((x.score as number) - (1 - c.scores[x.document.docId as number])) <= 1e-4);
    } finally {
      await r.close();
    }
  });

  it("numeric ids behave like the tokens they name", async () => {
    const r = await Reranker(DIR, {
      modelType: "t5",
      threads: 1,
      tokenTrue: ref.token_true_id,
      tokenFalse: ref.token_false_id,
    });
    try {
      const res = await r.rank(c.query, texts);
      for (const x of res.results)
        assert.ok(Math.abs((x.score as number) - c.scores[x.document.docId as number]) <= 1e-4);
    } finally {
      await r.close();
    }
  });

  it("an unknown token string is an error, not a silent <unk>", async () => {
    await assert.rejects(
      Reranker(DIR, { modelType: "t5", tokenTrue: "▁no-such-piece-here" }),
      InvalidInputError,
    );
    await assert.rejects(Reranker(DIR, { modelType: "t5", tokenFalse: 5000 }), InvalidInputError);
  });

  it("a template without {text} is rejected", async () => {
    await assert.rejects(Reranker(DIR, { modelType: "t5", template: "Query: {query}" }), InvalidInputError);
  });
});

describe("t5 model files", () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "t5-files-"));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function partialCopy(name: string, files: string[]): Promise<string> {
    const dir = join(tmp, name);
    await mkdir(join(dir, "onnx"), { recursive: true });
    for (const f of files) await symlink(join(DIR, f), join(dir, f));
    return dir;
  }

  it("a folder without a decoder -> ModelFilesError naming both decoder files", async () => {
    const dir = await partialCopy("no-decoder", [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "onnx/encoder_model.onnx",
    ]);
    await assert.rejects(Reranker(dir, { modelType: "t5" }), (e: unknown) => {
      assert.ok(e instanceof ModelFilesError);
      assert.match(e.message, /decoder_model\.onnx/);
      assert.match(e.message, /decoder_model_merged\.onnx/);
      return true;
    });
  });

  it("a folder without an encoder -> ModelFilesError", async () => {
    const dir = await partialCopy("no-encoder", ["config.json", "tokenizer.json", "onnx/decoder_model.onnx"]);
    await assert.rejects(Reranker(dir, { modelType: "t5" }), ModelFilesError);
  });

  it("a dtype variant that is not there -> ModelFilesError", async () => {
    await assert.rejects(Reranker(DIR, { modelType: "t5", dtype: "q8" }), ModelFilesError);
  });
});
