import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AbortedError, InvalidInputError, ModelFilesError } from "../src/core/errors.js";
import { createRanker, type Ranker } from "../src/core/ranker.js";
import { Reranker } from "../src/core/reranker.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { type LoadedColbert, loadColbert } from "../src/methods/colbert.js";
import {
  augmentedQueryLength,
  colbertDocuments,
  colbertQuery,
  documentMaxLength,
} from "../src/methods/colbert-inputs.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const FIXTURES = ["tiny-colbert", "tiny-colbert-hf-layout"] as const;
const TOL = 1e-4;

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
type Case = any;

function expectedRanking(c: Case, key: "ranking" | "ranking_mean_over_attended_query_tokens"): unknown[] {
  return c[key];
}

describe("ColBERT input rules", () => {
  it("query length augmentation: the reference's L -> QLEN table", () => {
    const table: [number, number][] = [
      [3, 11],
      [5, 13],
      [8, 16],
      [9, 16],
      [15, 16],
      [16, 24],
      [17, 25],
      [24, 32],
      [25, 32],
      [32, 40],
    ];
    for (const [l, q] of table) assert.equal(augmentedQueryLength(l), q, `L=${l}`);
  });

  it("document max length: ceil to 32, at least 32, capped", () => {
    assert.equal(documentMaxLength(3, 510), 32);
    assert.equal(documentMaxLength(32, 510), 32);
    assert.equal(documentMaxLength(33, 510), 64);
    assert.equal(documentMaxLength(509, 510), 510);
    assert.equal(documentMaxLength(510, 510), 510);
  });

  for (const name of FIXTURES) {
    it(`${name}: query ids, attention, QLEN and document ids equal the reference for every case`, async () => {
      const ref = readReference(name);
      const tok = await Tokenizer.fromDir(fixturePath(name));
      assert.equal(tok.tokenToId(ref.query_token), ref.query_token_id);
      assert.equal(tok.tokenToId(ref.document_token), ref.document_token_id);
      assert.equal(tok.maskTokenId, ref.mask_token_id);
      const docMaxLength = ref.max_position_embeddings - 2;
      assert.equal(docMaxLength, ref.doc_max_length_upper_bound);
      for (const c of ref.cases as Case[]) {
        const q = colbertQuery(tok, c.query, {
          markerId: ref.query_token_id,
          maskId: ref.mask_token_id,
          docMaxLength,
        });
        assert.deepEqual(q.ids, c.query_input_ids, `${c.name} query ids`);
        assert.equal(q.attended, c.query_length_before_augmentation, `${c.name} L`);
        const mask = q.ids.map((_, i) => (i < q.attended ? 1 : 0));
        assert.deepEqual(mask, c.query_attention_mask, `${c.name} query mask`);
        const docs = colbertDocuments(
          tok,
          c.docs.map((d: Case) => d.text),
          { markerId: ref.document_token_id, docMaxLength },
        );
        assert.equal(docs.maxLength, c.doc_max_length, `${c.name} doc max length`);
        assert.deepEqual(docs.ids, c.input_ids, `${c.name} doc ids`);
      }
    });
  }
});

describe("ColBERT parity through Reranker(dir, { modelType: 'colbert' })", () => {
  for (const name of FIXTURES) {
    for (const mode of ["python", "mean-attended"] as const) {
      it(`${name}, scoreMode ${mode}: scores within 1e-4 and the same ranking for every case`, async () => {
        const ref = readReference(name);
        const ranker = await Reranker(fixturePath(name), { modelType: "colbert", scoreMode: mode });
        try {
          assert.equal(ranker.modelType, "colbert");
          for (const c of ref.cases as Case[]) {
            const res = await ranker.rank(c.query, c.docs);
            const want: number[] = mode === "python" ? c.scores : c.scores_mean_over_attended_query_tokens;
            c.docs.forEach((d: Case, i: number) => {
              const got = res.scoreOf(d.docId);
              assert.ok(
                got !== undefined && Math.abs(got - want[i]) <= TOL,
                `${c.name} doc ${d.docId}: ${got} vs ${want[i]}`,
              );
            });
            const ranking = expectedRanking(
              c,
              mode === "python" ? "ranking" : "ranking_mean_over_attended_query_tokens",
            );
            assert.deepEqual(
              res.results.map((r) => r.docId),
              ranking,
              `${c.name} ranking`,
            );
            for (const d of c.docs as Case[])
              assert.deepEqual(res.resultOf(d.docId)?.metadata, d.metadata ?? {});
          }
        } finally {
          await ranker.close();
        }
      });
    }
  }
});

describe("ColBERT document embedding cache, batching, score()", () => {
  const name = "tiny-colbert-hf-layout";
  let loaded: LoadedColbert;
  let ranker: Ranker;
  const ref = readReference(name);
  const c: Case = ref.cases.find((x: Case) => x.name === "plain-english");

  before(async () => {
    loaded = await loadColbert({
      model: fixturePath(name),
      modelType: "colbert",
      provider: null,
      lang: "en",
      batchSize: 3,
    });
    ranker = createRanker({ modelType: "colbert", model: fixturePath(name), provider: null }, loaded.method);
  });
  after(() => ranker.close());

  it("re-ranking the same candidates skips the encoder for documents and gives identical scores", async () => {
    const first = await ranker.rank(c.query, c.docs);
    const runsAfterFirst = loaded.encoder.runs;
    assert.ok(runsAfterFirst >= 1 + Math.ceil(c.docs.length / 3), "batchSize 3 splits the documents");
    const second = await ranker.rank(c.query, c.docs);
    assert.equal(loaded.encoder.runs - runsAfterFirst, 1, "only the query is encoded the second time");
    assert.deepEqual(
      second.results.map((r) => [r.docId, r.score]),
      first.results.map((r) => [r.docId, r.score]),
    );
    c.docs.forEach((d: Case, i: number) => {
      assert.ok(Math.abs((second.scoreOf(d.docId) ?? Number.NaN) - c.scores[i]) <= TOL);
    });
    assert.equal(loaded.cache.size, c.docs.length);
    assert.ok(loaded.cache.stats.hits >= c.docs.length);

    // Another query over the same candidates: still only the query runs through the encoder.
    const before2 = loaded.encoder.runs;
    await ranker.rank("a different question about jobs", c.docs);
    assert.equal(loaded.encoder.runs - before2, 1);
  });

  it("a document cut differently by a call's length rule is not served from the cache", async () => {
    const mult: Case = ref.cases.find((x: Case) => x.name === "doc-length-multiple-of-32");
    const res = await ranker.rank(mult.query, mult.docs);
    mult.docs.forEach((d: Case, i: number) => {
      assert.ok(Math.abs((res.scoreOf(d.docId) ?? Number.NaN) - mult.scores[i]) <= TOL);
    });
    // The 64-token document alone in a call is cut at 63 as well (its own length is the longest).
    for (const [i, d] of mult.docs.entries()) {
      const s = await ranker.score(mult.query, d.text);
      if (mult.input_ids[i].length < mult.doc_max_length) assert.ok(Math.abs(s - mult.scores[i]) <= TOL);
    }
  });

  it("duplicate documents in one call are encoded once and score the same", async () => {
    const dup: Case = ref.cases.find((x: Case) => x.name === "duplicate-docs");
    const fresh = await loadColbert({
      model: fixturePath(name),
      modelType: "colbert",
      provider: null,
      lang: "en",
    });
    const r = createRanker({ modelType: "colbert", model: fixturePath(name), provider: null }, fresh.method);
    try {
      const res = await r.rank(dup.query, dup.docs);
      assert.equal(fresh.cache.size, 2);
      assert.deepEqual(
        res.results.map((x) => x.docId),
        dup.ranking,
      );
    } finally {
      await r.close();
    }
  });

  it("cacheBytes 0 disables the cache: every call runs the encoder", async () => {
    const off = await loadColbert({
      model: fixturePath(name),
      modelType: "colbert",
      provider: null,
      lang: "en",
      cacheBytes: 0,
    });
    const r = createRanker({ modelType: "colbert", model: fixturePath(name), provider: null }, off.method);
    try {
      await r.rank(c.query, c.docs);
      const runs = off.encoder.runs;
      await r.rank(c.query, c.docs);
      assert.ok(off.encoder.runs - runs >= 2);
      assert.equal(off.cache.size, 0);
    } finally {
      await r.close();
    }
  });

  it("score(query, doc) equals the reference single-document case; progress reaches the total; abort stops", async () => {
    const single: Case = ref.cases.find((x: Case) => x.name === "single-doc");
    const s = await ranker.score(single.query, single.docs[0].text);
    assert.ok(Math.abs(s - single.scores[0]) <= TOL);

    const seen: number[] = [];
    await ranker.rank(c.query, c.docs, { onProgress: (p) => seen.push(p.done) });
    assert.equal(seen.at(-1), c.docs.length);

    const ac = new AbortController();
    ac.abort();
    await assert.rejects(ranker.rank(c.query, c.docs, { signal: ac.signal }), AbortedError);
  });
});

describe("ColBERT options and errors", () => {
  it("rejects bad options and unknown marker tokens with typed errors", async () => {
    const dir = fixturePath("tiny-colbert");
    const base = { model: dir, modelType: "colbert", provider: null, lang: "en" };
    await assert.rejects(loadColbert({ ...base, scoreMode: "max" }), InvalidInputError);
    await assert.rejects(loadColbert({ ...base, cacheBytes: -1 }), InvalidInputError);
    await assert.rejects(loadColbert({ ...base, projection: "maybe" }), InvalidInputError);
    await assert.rejects(loadColbert({ ...base, queryToken: "[NOT-A-TOKEN]" }), ModelFilesError);
    await assert.rejects(loadColbert({ ...base, projection: "apply" }), ModelFilesError);
  });

  it("other marker tokens can be passed as options and are inserted at position 1", async () => {
    const dir = fixturePath("tiny-colbert");
    const tok = await Tokenizer.fromDir(dir);
    const q = colbertQuery(tok, "hello", {
      markerId: tok.tokenToId("[unused2]") as number,
      maskId: tok.maskTokenId as number,
      docMaxLength: 510,
    });
    assert.equal(q.ids[1], tok.tokenToId("[unused2]"));
    const loaded = await loadColbert({
      model: dir,
      modelType: "colbert",
      provider: null,
      lang: "en",
      queryToken: "[unused2]",
      documentToken: "[unused3]",
    });
    const r = createRanker({ modelType: "colbert", model: dir, provider: null }, loaded.method);
    try {
      const s = await r.score("hello", "world");
      assert.ok(Number.isFinite(s));
    } finally {
      await r.close();
    }
  });

  it("the hf-layout encoder with projection 'skip' yields vectors of the hidden width, not the projection's", async () => {
    const dir = fixturePath("tiny-colbert-hf-layout");
    const loaded = await loadColbert({
      model: dir,
      modelType: "colbert",
      provider: null,
      lang: "en",
      projection: "skip",
    });
    try {
      const [m] = await loaded.encoder.encode([{ ids: [6, 1, 7] }]);
      assert.equal(m.dim, 40);
      const withProj = await loadColbert({ model: dir, modelType: "colbert", provider: null, lang: "en" });
      const [p] = await withProj.encoder.encode([{ ids: [6, 1, 7] }]);
      assert.equal(p.dim, 20);
      await withProj.method.close?.();
    } finally {
      await loaded.method.close?.();
    }
  });
});
