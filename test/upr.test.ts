import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { type Ranker, Reranker } from "../src/index.js";
import {
  sumLabelLogProbs,
  UPR_HEAD,
  UPR_MAX_INPUT_LENGTH,
  UPR_MAX_QUERY_LENGTH,
  UPR_VERBALIZER,
  uprInputs,
  uprPrompt,
} from "../src/methods/upr.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const DIR = fixturePath("tiny-monot5");
const ref = readReference("tiny-monot5").upr;
const decoderStart: number = readReference("tiny-monot5").decoder_start_token_id;

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
type Case = any;

/** We tokenise with tokenizer.json, so where the slow tokenizer differs the `_fast` reference applies. */
const expected = (c: Case) => ({
  inputIds: c.input_ids_fast ?? c.input_ids,
  labels: c.labels_fast ?? c.labels,
  scores: (c.scores_fast_tokenizer ?? c.scores) as number[],
  ranking: (c.ranking_fast_tokenizer ?? c.ranking) as unknown[],
});

function withinUprTolerance(actual: number, want: number): boolean {
  return Math.abs(actual - want) <= Math.max(1e-5, 2e-6 * Math.abs(want));
}

const settings = {
  verbalizerHead: UPR_HEAD,
  verbalizer: UPR_VERBALIZER,
  maxInputLength: UPR_MAX_INPUT_LENGTH,
  maxQueryLength: UPR_MAX_QUERY_LENGTH,
  batchSize: 16,
  tokenBudget: undefined,
};

describe("upr inputs", () => {
  let tok: Tokenizer;
  before(async () => {
    tok = await Tokenizer.fromDir(DIR);
  });

  it("reference settings are the defaults", () => {
    assert.equal(ref.verbalizer_head, UPR_HEAD);
    assert.equal(ref.verbalizer, UPR_VERBALIZER);
    assert.equal(ref.max_input_length, UPR_MAX_INPUT_LENGTH);
    assert.equal(ref.max_query_length, UPR_MAX_QUERY_LENGTH);
    assert.equal(uprPrompt("doc"), "Passage: doc. Please write a question based on this passage.");
  });

  for (const c of ref.cases as Case[]) {
    it(`encoder ids, labels and decoder ids equal the reference: ${c.name}`, () => {
      const want = expected(c);
      const got = uprInputs(
        tok,
        settings,
        c.query,
        c.docs.map((d: Case) => d.text),
        decoderStart,
      );
      assert.deepEqual(got.inputIds, want.inputIds);
      assert.deepEqual(got.labels, want.labels);
      assert.deepEqual(got.decoderInputIds, c.decoder_input_ids);
    });
  }

  it("sums log_softmax at the label positions", () => {
    // Two steps over a vocabulary of 3: log-probs of labels [2, 0].
    const data = Float32Array.from([0, 0, Math.log(2), 1, 0, 0]);
    const got = sumLabelLogProbs({ data, dims: [1, 2, 3] }, [2, 0])[0];
    const want = Math.log(2 / 4) + (1 - Math.log(Math.E + 2));
    assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  });
});

describe("upr parity with reference.json (library)", () => {
  let ranker: Ranker;
  before(async () => {
    ranker = await Reranker(DIR, { modelType: "upr", threads: 1 });
  });
  after(async () => {
    await ranker?.close();
  });

  for (const c of ref.cases as Case[]) {
    it(`scores and ranking: ${c.name}`, async () => {
      const want = expected(c);
      const docIds = c.docs.map((d: Case) => d.docId);
      const res = await ranker.rank(
        c.query,
        c.docs.map((d: Case) => d.text),
        { docIds, metadata: c.docs.map((d: Case) => d.metadata) },
      );
      for (const r of res.results) {
        const i = docIds.indexOf(r.document.docId);
        const s = r.score as number;
        assert.ok(withinUprTolerance(s, want.scores[i]), `doc ${i}: ${s} vs ${want.scores[i]}`);
      }
      assert.deepEqual(
        res.results.map((r) => r.document.docId),
        want.ranking,
      );
    });
  }

  it("batching does not change scores (batchSize 1 vs default)", async () => {
    const c = ref.cases[0];
    const want = expected(c);
    const res = await ranker.rank(
      c.query,
      c.docs.map((d: Case) => d.text),
      { batchSize: 1 },
    );
    for (const r of res.results)
      assert.ok(withinUprTolerance(r.score as number, want.scores[r.document.docId as number]));
  });

  it("verbalizer options change the prompt", async () => {
    const other = await Reranker(DIR, { modelType: "upr", threads: 1, verbalizer: "Write a question." });
    try {
      const c = ref.cases[0];
      const s = await other.score(c.query, c.docs[0].text);
      assert.ok(!withinUprTolerance(s, expected(c).scores[0]));
    } finally {
      await other.close();
    }
  });
});
