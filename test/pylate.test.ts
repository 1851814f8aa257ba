import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ModelFilesError } from "../src/core/errors.js";
import { createRanker } from "../src/core/ranker.js";
import { Reranker } from "../src/core/reranker.js";
import { readTensor } from "../src/engine/safetensors.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { loadPyLate } from "../src/methods/pylate.js";
import { PUNCTUATION, readPyLateLayout, resolveSettings } from "../src/methods/pylate-config.js";
import { pylateDocument, pylateQuery } from "../src/methods/pylate-inputs.js";
import { f32Bytes, writeSafetensors } from "./helpers/colbert-safetensors.js";
import { fixturePath, REPO_ROOT, readReference } from "./helpers/fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
type Case = any;
const LAYOUTS = join(REPO_ROOT, "test", "fixtures", "pylate");
const HF = fixturePath("tiny-colbert-hf-layout");
const ref = readReference("tiny-colbert-hf-layout");
/** Cases whose rerankers inputs PyLate reproduces with query_length 16 and document_length 64 (see below). */
const CASES: Case[] = ref.cases.filter(
  (c: Case) => c.query_input_ids.length === 16 && c.doc_max_length === 64,
);

describe("PyLate layout parsing", () => {
  it("Python's string.punctuation is the default skiplist", () => {
    assert.equal(PUNCTUATION.join(""), "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
    assert.equal(PUNCTUATION.length, 32);
  });

  it("reads a ModernColBERT-style checkpoint: prefixes, lengths, expansion, skiplist, Dense module", async () => {
    const layout = await readPyLateLayout(join(LAYOUTS, "modern-colbert"));
    assert.equal(layout.kind, "sentence-transformers");
    assert.deepEqual(layout.settings, {
      queryPrefix: "[Q] ",
      documentPrefix: "[D] ",
      queryLength: 32,
      documentLength: 300,
      doQueryExpansion: true,
      attendToExpansionTokens: false,
      skiplistWords: [...PUNCTUATION],
      doLowerCase: false,
    });
    assert.deepEqual(layout.dense, [
      {
        path: "1_Dense",
        inFeatures: 768,
        outFeatures: 128,
        bias: false,
        activation: "identity",
        useResidual: false,
      },
    ]);
  });

  it("applies PyLate's defaults for absent fields, ignores Pooling, reads bias/Tanh and do_lower_case", async () => {
    const layout = await readPyLateLayout(join(LAYOUTS, "st-dense"));
    assert.deepEqual(layout.settings, { ...resolveSettings({}), doLowerCase: true });
    assert.equal(layout.settings.documentLength, 180);
    assert.equal(layout.settings.queryPrefix, "[Q] ");
    assert.deepEqual(layout.dense, [
      {
        path: "2_Dense",
        inFeatures: 40,
        outFeatures: 16,
        bias: true,
        activation: "tanh",
        useResidual: false,
      },
    ]);
  });

  it("user options override the checkpoint; no expansion means no attention to expansion tokens", async () => {
    const layout = await readPyLateLayout(join(LAYOUTS, "modern-colbert"), {
      queryLength: 48,
      doQueryExpansion: false,
      attendToExpansionTokens: true,
      skiplistWords: [],
    });
    assert.equal(layout.settings.queryLength, 48);
    assert.equal(layout.settings.doQueryExpansion, false);
    assert.equal(layout.settings.attendToExpansionTokens, false);
    assert.deepEqual(layout.settings.skiplistWords, []);
  });

  it("refuses a checkpoint without a Dense module, an unknown activation, and a folder that is neither layout", async () => {
    await assert.rejects(
      readPyLateLayout(join(LAYOUTS, "no-dense")),
      (e: unknown) => e instanceof ModelFilesError && /no Dense/.test(e.message),
    );
    await assert.rejects(
      readPyLateLayout(join(LAYOUTS, "bad-activation")),
      (e: unknown) => e instanceof ModelFilesError && /activation/.test(e.message),
    );
    await assert.rejects(readPyLateLayout(fixturePath("tiny-colbert")), ModelFilesError);
  });

  it("reads a Stanford colbert-ir folder as PyLate does: [unused0]/[unused1] and linear.weight", async () => {
    const layout = await readPyLateLayout(HF);
    assert.equal(layout.kind, "stanford");
    assert.equal(layout.settings.queryPrefix, "[unused0]");
    assert.equal(layout.settings.documentPrefix, "[unused1]");
    assert.equal(layout.settings.queryLength, 32);
    assert.equal(layout.settings.documentLength, 180);
    assert.deepEqual(layout.dense, [
      { path: "", inFeatures: 40, outFeatures: 20, bias: false, activation: "identity", useResidual: false },
    ]);
  });
});

/*
 * With prefixes [unused0]/[unused1], query_length 16, document_length 64, query expansion without attention and an
 * empty skiplist, PyLate's inputs are exactly rerankers' ColBERT inputs for the reference cases whose QLEN is 16
 * and whose doc max length is 64. PyLate's score is the plain sum of MaxSim over all 16 query vectors, i.e. the
 * reference `scores` (that sum divided by the attended count L) times L.
 */
const MATCHING = { queryLength: 16, documentLength: 64, skiplistWords: [] as string[] };

describe("PyLate inputs", () => {
  it("query and document ids match the equivalent reference cases", async () => {
    assert.ok(CASES.length >= 2);
    const tok = await Tokenizer.fromDir(HF);
    const settings = resolveSettings({ queryPrefix: "[unused0]", documentPrefix: "[unused1]" }, MATCHING);
    const tokens = {
      queryPrefixId: 1,
      documentPrefixId: 2,
      expansionId: tok.maskTokenId as number,
      skiplist: new Set<number>(),
    };
    for (const c of CASES) {
      const q = pylateQuery(tok, c.query, settings, tokens);
      assert.deepEqual(q.ids, c.query_input_ids);
      assert.equal(q.attended, c.query_length_before_augmentation);
      assert.equal(q.scored, 16);
      c.docs.forEach((d: Case, i: number) => {
        assert.deepEqual(pylateDocument(tok, d.text, settings, tokens).ids, c.input_ids[i]);
      });
    }
  });

  it("texts are stripped; the skiplist removes punctuation from document scoring only; no expansion keeps the query short", async () => {
    const tok = await Tokenizer.fromDir(HF);
    const settings = resolveSettings(
      { queryPrefix: "[unused0]", documentPrefix: "[unused1]" },
      { queryLength: 16, documentLength: 64 },
    );
    const comma = tok.tokenToId(",") as number;
    const period = tok.tokenToId(".") as number;
    const tokens = {
      queryPrefixId: 1,
      documentPrefixId: 2,
      expansionId: tok.maskTokenId as number,
      skiplist: new Set([comma, period]),
    };
    const doc = pylateDocument(tok, "  hello, world.  ", settings, tokens);
    assert.deepEqual(doc.ids, pylateDocument(tok, "hello, world.", settings, tokens).ids);
    const kept = doc.ids.filter((id, p) => doc.keep(p, id));
    assert.ok(doc.ids.includes(comma) && doc.ids.includes(period));
    assert.ok(!kept.includes(comma) && !kept.includes(period));
    assert.equal(kept.length, doc.ids.length - 2);

    const q = pylateQuery(tok, "hello, world.", { ...settings, doQueryExpansion: false }, tokens);
    assert.equal(q.ids.length, q.attended);
    assert.equal(q.scored, q.attended);
    const attendAll = pylateQuery(tok, "hello", { ...settings, attendToExpansionTokens: true }, tokens);
    assert.equal(attendAll.attended, 16);
  });
});

describe("PyLate end to end (layout tests: score = reference ColBERT score x L, see above)", () => {
  let dir: string;
  before(() => {
    // A sentence-transformers folder around the hf-layout encoder: its ONNX encoder, tokenizer, and a Dense module
    // holding the checkpoint's projection.
    dir = mkdtempSync(join(tmpdir(), "rerankers-pylate-"));
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"])
      copyFileSync(join(HF, f), join(dir, f));
    mkdirSync(join(dir, "onnx"));
    copyFileSync(join(HF, "onnx", "model.onnx"), join(dir, "onnx", "model.onnx"));
    writeFileSync(
      join(dir, "modules.json"),
      JSON.stringify([
        { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
        { idx: 1, name: "1", path: "1_Dense", type: "pylate.models.Dense.Dense" },
      ]),
    );
    writeFileSync(
      join(dir, "config_sentence_transformers.json"),
      JSON.stringify({
        query_prefix: "[unused0]",
        document_prefix: "[unused1]",
        query_length: 16,
        document_length: 64,
        do_query_expansion: true,
        attend_to_expansion_tokens: false,
        skiplist_words: [],
      }),
    );
    mkdirSync(join(dir, "1_Dense"));
    writeFileSync(
      join(dir, "1_Dense", "config.json"),
      JSON.stringify({
        in_features: 40,
        out_features: 20,
        bias: false,
        activation_function: "torch.nn.modules.linear.Identity",
      }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("sentence-transformers layout through Reranker(dir, { modelType: 'pylate' })", async () => {
    const w = await readTensor(join(HF, "model.safetensors"), "linear.weight");
    writeSafetensors(join(dir, "1_Dense", "model.safetensors"), {
      "linear.weight": { dtype: "F32", shape: w.shape, bytes: f32Bytes([...w.data]) },
    });
    const ranker = await Reranker(dir, { modelType: "pylate" });
    try {
      for (const c of CASES) {
        const res = await ranker.rank(c.query, c.docs);
        const L = c.query_length_before_augmentation;
        c.docs.forEach((d: Case, i: number) => {
          const got = res.scoreOf(d.docId) as number;
          assert.ok(
            Math.abs(got - c.scores[i] * L) <= 1e-4 * L,
            `${c.name} ${d.docId}: ${got} vs ${c.scores[i] * L}`,
          );
        });
        assert.deepEqual(
          res.results.map((r) => r.docId),
          c.ranking,
        );
      }
    } finally {
      await ranker.close();
    }
  });

  it("Stanford layout with the same settings passed as options gives the same scores; cached documents skip the encoder", async () => {
    const loaded = await loadPyLate({
      model: HF,
      modelType: "pylate",
      provider: null,
      lang: "en",
      ...MATCHING,
    });
    const ranker = createRanker({ modelType: "pylate", model: HF, provider: null }, loaded.method);
    try {
      const c = CASES[0];
      const first = await ranker.rank(c.query, c.docs);
      c.docs.forEach((d: Case, i: number) => {
        assert.ok(
          Math.abs((first.scoreOf(d.docId) as number) - c.scores[i] * c.query_length_before_augmentation) <=
            1e-3,
        );
      });
      const runs = loaded.encoder.runs;
      const second = await ranker.rank(c.query, c.docs);
      assert.equal(loaded.encoder.runs - runs, 1);
      assert.deepEqual(
        second.results.map((r) => r.score),
        first.results.map((r) => r.score),
      );
    } finally {
      await ranker.close();
    }
  });

  it("default PyLate settings (query 32, document 180, punctuation skiplist) rank a Stanford folder; score() works", async () => {
    const ranker = await Reranker(HF, { modelType: "pylate" });
    try {
      const c = CASES[0];
      const res = await ranker.rank(c.query, c.docs);
      assert.equal(res.length, c.docs.length);
      for (const r of res) assert.ok(Number.isFinite(r.score));
      const s = await ranker.score(c.query, c.docs[0].text);
      assert.ok(Math.abs(s - (res.scoreOf(c.docs[0].docId) as number)) < 1e-6);
    } finally {
      await ranker.close();
    }
  });

  it("a prefix token missing from the tokenizer is a ModelFilesError", async () => {
    await assert.rejects(
      loadPyLate({ model: dir, modelType: "pylate", provider: null, lang: "en", queryPrefix: "[Q] " }),
      (e: unknown) => e instanceof ModelFilesError && /\[Q\] /.test(e.message),
    );
  });
});
