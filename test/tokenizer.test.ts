import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { ModelFilesError } from "../src/core/errors.js";
import { longestFirst, Tokenizer } from "../src/engine/tokenizer.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: reference files are free-form JSON
type Json = any;

/** Collects id mismatches so that one assertion reports all of them with a count. */
class Tally {
  matched = 0;
  readonly mismatches: string[] = [];
  check(label: string, got: readonly number[], want: readonly number[]): void {
    if (got.length === want.length && got.every((x, i) => x === want[i])) this.matched++;
    else this.mismatches.push(`${label}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
  }
  done(t: TestContext, what: string): void {
    t.diagnostic(
      `${what}: ${this.matched}/${this.matched + this.mismatches.length} reference sequences match`,
    );
    assert.deepEqual(this.mismatches, [], `${this.mismatches.length} mismatches`);
    assert.ok(this.matched > 0);
  }
}

/** `str.format`-style filling; a function replacement keeps `$` in documents literal. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, key: string) => values[key] ?? m);
}

/** The real tokens of a right-padded reference row: the attention mask is 1 exactly on the leading non-pad ids. */
function unpadRight(row: number[], padId: number): number[] {
  let n = row.length;
  while (n > 0 && row[n - 1] === padId) n--;
  return row.slice(0, n);
}

function unpadLeft(row: number[], padId: number): number[] {
  let k = 0;
  while (k < row.length && row[k] === padId) k++;
  return row.slice(k);
}

describe("longestFirst (Rust TruncationStrategy::LongestFirst)", () => {
  it("keeps both sequences when they fit", () => {
    assert.deepEqual(longestFirst(5, 5, 10), [5, 5]);
    assert.deepEqual(longestFirst(0, 0, 0), [0, 0]);
    assert.deepEqual(longestFirst(3, 4, 100), [3, 4]);
  });
  it("cuts only the longer sequence when the shorter one leaves room", () => {
    assert.deepEqual(longestFirst(3, 100, 10), [3, 7]);
    assert.deepEqual(longestFirst(40, 5, 20), [15, 5]);
    assert.deepEqual(longestFirst(12, 3, 10), [7, 3]);
  });
  it("cuts both when the shorter one is longer than half the budget (q 7, d 31, max 16 -> 6/7)", () => {
    // max_length 16 minus 3 BERT pair specials = 13
    assert.deepEqual(longestFirst(7, 31, 13), [6, 7]);
    assert.deepEqual(longestFirst(7, 8, 9), [4, 5]);
    assert.deepEqual(longestFirst(20, 10, 10), [5, 5]);
  });
  it("trims the first sequence first when both are equally long", () => {
    assert.deepEqual(longestFirst(6, 6, 9), [4, 5]);
    assert.deepEqual(longestFirst(11, 11, 11), [5, 6]);
  });
  it("gives zero tokens for a zero or negative budget", () => {
    assert.deepEqual(longestFirst(30, 30, 0), [0, 0]);
    assert.deepEqual(longestFirst(3, 4, -2), [0, 0]);
  });
});

const CROSS_ENCODERS: [name: string, dir: string[]][] = [
  ["tiny-bert-cross-encoder", ["tiny-bert-cross-encoder"]],
  ["tiny-monobert", ["tiny-monobert"]],
  ["tiny-xlm-roberta-cross-encoder", ["tiny-xlm-roberta-cross-encoder"]],
  ["minilm-l6-h384-random", ["minilm-l6-h384-random"]],
  ["tiny-flashrank", ["tiny-flashrank", "ms-marco-TinyBERT-L-2-v2"]],
];

describe("cross-encoder pairs = Python tokenizer(q, d, truncation=True)", () => {
  for (const [name, dir] of CROSS_ENCODERS) {
    it(`${name}: input_ids and token_type_ids of every case`, async (t) => {
      const ref = readReference(name);
      const config = readReference(dir.join("/"), "tokenizer_config.json");
      const tok = await Tokenizer.fromDir(fixturePath(...dir));
      const maxLength: number = config.model_max_length;
      assert.equal(maxLength, ref.max_length);
      assert.equal(tok.padTokenId, ref.pad_token_id);
      const ids = new Tally();
      const types = new Tally();
      for (const c of ref.cases) {
        c.docs.forEach((doc: Json, i: number) => {
          const want = unpadRight(c.input_ids[i], ref.pad_token_id);
          const enc = tok.encodePair(c.query, doc.text, maxLength);
          ids.check(`${c.name}[${i}]`, enc.ids, want);
          if (c.token_type_ids)
            types.check(`${c.name}[${i}] types`, enc.typeIds, c.token_type_ids[i].slice(0, want.length));
          // Rust only cuts when the pair is too long, so a shorter reference row was never truncated
          if (want.length < maxLength) assert.equal(enc.truncated, false, `${c.name}[${i}] truncated`);
        });
      }
      ids.done(t, `${name} input_ids`);
      if (ref.onnx_inputs.includes("token_type_ids")) types.done(t, `${name} token_type_ids`);
    });
  }

  it("an empty document keeps every separator: [CLS] q [SEP] [SEP] / <s> q </s></s></s>", async () => {
    const bert = await Tokenizer.fromDir(fixturePath("tiny-bert-cross-encoder"));
    const q = bert.tokenize("Does the PLAN cut costs?");
    const b = bert.encodePair("Does the PLAN cut costs?", "", 512);
    assert.deepEqual(b.ids, [bert.clsTokenId, ...q, bert.sepTokenId, bert.sepTokenId]);
    assert.deepEqual(b.typeIds, [...q.map(() => 0), 0, 0, 1]);
    assert.equal(b.truncated, false);

    const xlmr = await Tokenizer.fromDir(fixturePath("tiny-xlm-roberta-cross-encoder"));
    const ref = readReference("tiny-xlm-roberta-cross-encoder");
    const post = readReference("tiny-xlm-roberta-cross-encoder", "tokenizer.json").post_processor;
    const [cls, sep] = [post.cls[1], post.sep[1]];
    const xq = xlmr.tokenize("Does the PLAN cut costs?");
    assert.deepEqual(xlmr.encodePair("Does the PLAN cut costs?", "", 512).ids, [cls, ...xq, sep, sep, sep]);
    // the reference's edge-docs case starts with an empty document
    const edge = ref.cases.find((c: Json) => c.docs.some((d: Json) => d.text === ""));
    const i = edge.docs.findIndex((d: Json) => d.text === "");
    const want = unpadRight(edge.input_ids[i], ref.pad_token_id);
    assert.deepEqual(want.slice(-3), [sep, sep, sep]);
    assert.deepEqual(xlmr.encodePair(edge.query, "", 512).ids, want);
  });

  it("an empty query and document give only the specials of a pair", async () => {
    const bert = await Tokenizer.fromDir(fixturePath("minilm-l6-h384-random"));
    const special = readReference("minilm-l6-h384-random", "tokenizer.json").post_processor.special_tokens;
    const [cls, sep] = [special["[CLS]"].ids[0], special["[SEP]"].ids[0]];
    assert.deepEqual(bert.encodePair("", "", 512), {
      ids: [cls, sep, sep],
      typeIds: [0, 0, 1],
      truncated: false,
    });
    assert.deepEqual(bert.encode("", 512), { ids: [cls, sep], typeIds: [0, 0], truncated: false });
    const xlmr = await Tokenizer.fromDir(fixturePath("tiny-xlm-roberta-cross-encoder"));
    const post = readReference("tiny-xlm-roberta-cross-encoder", "tokenizer.json").post_processor;
    assert.deepEqual(xlmr.encodePair("", "", 512).ids, [post.cls[1], post.sep[1], post.sep[1], post.sep[1]]);
  });

  it("truncates long pairs to max_length with both separators kept", async () => {
    const tok = await Tokenizer.fromDir(fixturePath("tiny-bert-cross-encoder"));
    const q = "what is the plan to fight inflation and lower costs for families";
    const d = "We will cut energy costs for families and lower the price of prescription drugs. ".repeat(5);
    const full = tok.encodePair(q, d, 10_000);
    const cut = tok.encodePair(q, d, 16);
    assert.equal(full.truncated, false);
    assert.equal(cut.truncated, true);
    assert.equal(cut.ids.length, 16);
    const [nq, nd] = longestFirst(tok.tokenize(q).length, tok.tokenize(d).length, 16 - 3);
    assert.deepEqual(cut.ids, [
      tok.clsTokenId,
      ...tok.tokenize(q).slice(0, nq),
      tok.sepTokenId,
      ...tok.tokenize(d).slice(0, nd),
      tok.sepTokenId,
    ]);
    assert.deepEqual(cut.typeIds, [...Array(nq + 2).fill(0), ...Array(nd + 1).fill(1)]);
  });
});

describe("tiny-monot5 (T5 template, Precompiled normalizer)", () => {
  let tok: Tokenizer;
  let ref: Json;
  before(async () => {
    tok = await Tokenizer.fromDir(fixturePath("tiny-monot5"));
    ref = readReference("tiny-monot5");
  });

  it("T5Ranker inputs: 'Query: {query} Document: {text} Relevant:' + </s>, truncation 512", (t) => {
    const tally = new Tally();
    for (const c of ref.cases) {
      c.docs.forEach((doc: Json, i: number) => {
        const text = fill(ref.inputs_template, { query: c.query, text: doc.text });
        tally.check(
          `${c.name}[${i}]`,
          tok.encode(text, ref.max_length).ids,
          unpadRight(c.input_ids[i], tok.padTokenId!),
        );
      });
    }
    tally.done(t, "monoT5 input_ids");
  });

  it("UPR encoder inputs and labels (the _fast_tokenizer ids where Python's slow tokenizer differs)", (t) => {
    const upr = ref.upr;
    const tally = new Tally();
    for (const c of upr.cases) {
      tally.check(
        `${c.name} labels`,
        tok.encode(c.query, upr.max_query_length).ids,
        c.labels_fast ?? c.labels,
      );
      const inputs = c.input_ids_fast ?? c.input_ids;
      c.docs.forEach((doc: Json, i: number) => {
        const text = fill(upr.encoder_template, {
          verbalizer_head: upr.verbalizer_head,
          doc: doc.text,
          verbalizer: upr.verbalizer,
        });
        tally.check(
          `${c.name}[${i}]`,
          tok.encode(text, upr.max_input_length).ids,
          unpadRight(inputs[i], tok.padTokenId!),
        );
      });
    }
    tally.done(t, "UPR input_ids + labels");
  });

  it("zero-width joiners inside emoji and stacked combining marks follow Rust's Precompiled", () => {
    const c = ref.upr.cases.find((x: Json) => x.input_ids_fast);
    assert.ok(c, "the fixture has a case where the slow and fast tokenizers differ");
    for (const i of c.slow_fast_tokenizer_mismatch as number[]) {
      const text = fill(ref.upr.encoder_template, {
        verbalizer_head: ref.upr.verbalizer_head,
        doc: c.docs[i].text,
        verbalizer: ref.upr.verbalizer,
      });
      assert.deepEqual(tok.encode(text, 512).ids, unpadRight(c.input_ids_fast[i], tok.padTokenId!));
    }
    const emoji = c.docs.findIndex((d: Json) => d.text.includes("\u200d"));
    assert.ok(emoji >= 0);
  });

  it("reads special tokens and the T5 template layout from the files", () => {
    assert.equal(tok.eosTokenId, 1);
    assert.equal(tok.padTokenId, ref.decoder_start_token_id);
    assert.equal(tok.unkTokenId, 2);
    assert.equal(tok.clsTokenId, undefined);
    assert.equal(tok.tokenToId(ref.token_true), ref.token_true_id);
    assert.equal(tok.tokenToId(ref.token_false), ref.token_false_id);
    assert.equal(tok.idToToken(ref.token_true_id), ref.token_true);
    assert.equal(tok.numSpecialTokens(false), 1);
    assert.equal(tok.numSpecialTokens(true), 2);
    assert.deepEqual(tok.withSpecialTokens([5, 6], [7]), { ids: [5, 6, 1, 7, 1], typeIds: [0, 0, 0, 0, 0] });
    const labels = ref.upr.cases[0].labels as number[];
    assert.deepEqual(tok.encode(ref.upr.cases[0].query, 5).ids, [...labels.slice(0, 4), 1]);
    assert.equal(tok.encode(ref.upr.cases[0].query, 5).truncated, true);
  });
});

describe("tiny-xlm-roberta-cross-encoder special tokens", () => {
  it("RobertaProcessing layout, all type ids 0", async () => {
    const tok = await Tokenizer.fromDir(fixturePath("tiny-xlm-roberta-cross-encoder"));
    const json = readReference("tiny-xlm-roberta-cross-encoder", "tokenizer.json");
    const id = (content: string) => json.added_tokens.find((a: Json) => a.content === content).id;
    assert.equal(tok.clsTokenId, id("<s>"));
    assert.equal(tok.sepTokenId, id("</s>"));
    assert.equal(tok.eosTokenId, id("</s>"));
    assert.equal(tok.padTokenId, id("<pad>"));
    assert.equal(tok.unkTokenId, id("<unk>"));
    assert.equal(tok.maskTokenId, id("<mask>"));
    assert.equal(tok.numSpecialTokens(false), 2);
    assert.equal(tok.numSpecialTokens(true), 4);
    assert.deepEqual(tok.withSpecialTokens([9], [8, 7]), {
      ids: [id("<s>"), 9, id("</s>"), id("</s>"), 8, 7, id("</s>")],
      typeIds: [0, 0, 0, 0, 0, 0, 0],
    });
  });
});

describe("tiny-colbert: ids before marker insertion", () => {
  for (const name of ["tiny-colbert", "tiny-colbert-hf-layout"]) {
    it(`${name}: removing position 1 of the reference ids gives encode()`, async (t) => {
      const ref = readReference(name);
      const tok = await Tokenizer.fromDir(fixturePath(name));
      assert.equal(tok.maskTokenId, ref.mask_token_id);
      assert.equal(tok.padTokenId, ref.pad_token_id);
      assert.equal(tok.tokenToId(ref.query_token), ref.query_token_id);
      assert.equal(tok.tokenToId(ref.document_token), ref.document_token_id);
      const tally = new Tally();
      for (const c of ref.cases) {
        const q = (c.query_input_ids as number[]).slice(0, c.query_length_before_augmentation);
        assert.equal(q[1], ref.query_token_id);
        q.splice(1, 1);
        tally.check(`${c.name} query`, tok.encode(c.query, c.doc_max_length - 1).ids, q);
        c.docs.forEach((doc: Json, i: number) => {
          const d = unpadRight(c.input_ids[i], ref.pad_token_id);
          assert.equal(d[1], ref.document_token_id);
          d.splice(1, 1);
          tally.check(`${c.name}[${i}]`, tok.encode(doc.text, c.doc_max_length - 1).ids, d);
        });
      }
      tally.done(t, `${name} query + doc ids`);
    });
  }
});

describe("tiny-mxbai-v2: byte-level BPE, no special tokens added", () => {
  let tok: Tokenizer;
  let ref: Json;
  const raw = (text: string, maxLength?: number) =>
    tok.encode(text, maxLength, { addSpecialTokens: false }).ids;
  before(async () => {
    tok = await Tokenizer.fromDir(fixturePath("tiny-mxbai-v2"));
    ref = readReference("tiny-mxbai-v2");
  });

  it("mxbaiv2 prompt parts, query ids and full inputs", (t) => {
    const m = ref.mxbaiv2;
    const p = m.prompt;
    const tally = new Tally();
    tally.check("prefix", raw(p.prefix), m.prefix_ids);
    tally.check("suffix", raw(p.suffix), m.suffix_ids);
    tally.check("task_prompt", raw(p.task_prompt), m.task_prompt_ids);
    tally.check("sep", raw(p.sep), m.sep_ids);
    tally.check("pos/neg", [...raw(p.pos_token), ...raw(p.neg_token)], [m.pos_id, m.neg_id]);
    for (const c of m.cases) {
      let text = fill(p.query_template, { query: c.query });
      if (c.instruction) text = `${fill(p.instruction_template, { instruction: c.instruction })}\n${text}`;
      tally.check(`${c.name} query`, raw(text, Math.floor((m.max_length * 3) / 4)), c.query_ids);
      c.docs.forEach((doc: Json, i: number) => {
        const docIds = raw(fill(p.doc_template, { document: doc.text }), c.doc_max_length);
        const combined = [...c.query_ids, ...m.sep_ids, ...docIds].slice(0, m.max_length);
        const input = [...m.prefix_ids, ...combined, ...m.sep_ids, ...m.task_prompt_ids, ...m.suffix_ids];
        tally.check(`${c.name}[${i}]`, input, unpadLeft(c.input_ids[i], ref.pad_token_id));
      });
    }
    tally.done(t, "mxbaiv2 ids");
  });

  it("qwen3 prompt parts and full inputs", (t) => {
    const q = ref.qwen3;
    const p = q.prompt;
    const tally = new Tally();
    tally.check("prefix", raw(p.prefix), q.prefix_ids);
    tally.check("suffix", raw(p.suffix), q.suffix_ids);
    tally.check("yes/no", [...raw(p.token_true), ...raw(p.token_false)], [q.token_true_id, q.token_false_id]);
    for (const c of q.cases) {
      c.docs.forEach((doc: Json, i: number) => {
        const text = fill(p.template, { instruction: c.instruction, query: c.query, doc: doc.text });
        const input = [...q.prefix_ids, ...raw(text, q.pair_max_length), ...q.suffix_ids];
        tally.check(`${c.name}[${i}]`, input, unpadLeft(c.input_ids[i], ref.pad_token_id));
      });
    }
    tally.done(t, "qwen3 ids");
  });

  it("special tokens from tokenizer_config.json; the ByteLevel post-processor adds nothing", () => {
    const json = readReference("tiny-mxbai-v2", "tokenizer.json");
    const id = (content: string) => json.added_tokens.find((a: Json) => a.content === content).id;
    assert.equal(tok.padTokenId, ref.pad_token_id);
    assert.equal(tok.padTokenId, id("<|endoftext|>"));
    assert.equal(tok.eosTokenId, id("<|im_end|>"));
    assert.equal(tok.unkTokenId, undefined);
    assert.equal(tok.clsTokenId, undefined);
    assert.equal(tok.numSpecialTokens(false), 0);
    assert.equal(tok.numSpecialTokens(true), 0);
    assert.deepEqual(tok.encode("hello", 100).ids, raw("hello"));
    assert.deepEqual(tok.withSpecialTokens([1, 2], [3]), { ids: [1, 2, 3], typeIds: [0, 0, 1] });
  });
});

describe("Rust behaviour where @huggingface/tokenizers 0.2.0 differs", () => {
  it("BertNormalizer lowercases per character (no final sigma) and isolates CJK outside the BMP", async () => {
    const tok = await Tokenizer.fromDir(fixturePath("minilm-l6-h384-random"));
    // Rust char::to_lowercase maps Σ to σ everywhere; String#toLowerCase gives a final ς
    assert.notDeepEqual(tok.tokenize("οδοσ"), tok.tokenize("οδος"), "the vocabulary tells σ and ς apart");
    assert.deepEqual(tok.tokenize("ΟΔΟΣ"), tok.tokenize("οδοσ"));
    // U+20000 is in Rust's is_chinese_char ranges: it becomes a word of its own
    assert.deepEqual(tok.tokenize("a\u{20000}b"), tok.tokenize("a \u{20000} b"));
  });

  it("Precompiled: a short grapheme is replaced whole by the rule of its shortest matching prefix", async () => {
    // spm_precompiled: graphemes under 6 UTF-8 bytes go through transform(grapheme) = first_prefix_value, so
    // fullwidth A + combining acute becomes the rule for fullwidth A alone ("A") and the acute is dropped
    for (const name of ["tiny-xlm-roberta-cross-encoder", "tiny-monot5"]) {
      const tok = await Tokenizer.fromDir(fixturePath(name));
      assert.deepEqual(tok.tokenize("\uff21\u0301"), tok.tokenize("A"), name);
      assert.deepEqual(tok.tokenize("\uff21"), tok.tokenize("A"), name);
    }
  });

  it("post-processors from tokenizer.json: BertProcessing and a Sequence of ByteLevel + TemplateProcessing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rerankers-tokenizer-post-"));
    try {
      const vocab = { "[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, hello: 4, world: 5 };
      const base = {
        version: "1.0",
        truncation: null,
        padding: null,
        added_tokens: Object.entries(vocab)
          .filter(([t]) => t.startsWith("["))
          .map(([content, id]) => ({
            id,
            content,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
            special: true,
          })),
        normalizer: {
          type: "BertNormalizer",
          clean_text: true,
          handle_chinese_chars: true,
          strip_accents: null,
          lowercase: true,
        },
        pre_tokenizer: { type: "BertPreTokenizer" },
        decoder: null,
        model: {
          type: "WordPiece",
          unk_token: "[UNK]",
          continuing_subword_prefix: "##",
          max_input_chars_per_word: 100,
          vocab,
        },
      };
      await writeFile(
        join(dir, "tokenizer.json"),
        JSON.stringify({
          ...base,
          post_processor: { type: "BertProcessing", sep: ["[SEP]", 3], cls: ["[CLS]", 2] },
        }),
      );
      const bert = await Tokenizer.fromDir(dir);
      assert.deepEqual(bert.encodePair("Hello", "world", 512), {
        ids: [2, 4, 3, 5, 3],
        typeIds: [0, 0, 0, 1, 1],
        truncated: false,
      });
      assert.deepEqual(bert.encodePair("Hello", "", 512).ids, [2, 4, 3, 3]);
      assert.equal(bert.clsTokenId, 2);
      assert.equal(bert.sepTokenId, 3);
      assert.equal(bert.unkTokenId, 1);

      const template = {
        type: "TemplateProcessing",
        single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
        pair: [
          { Sequence: { id: "A", type_id: 0 } },
          { SpecialToken: { id: "[SEP]", type_id: 0 } },
          { Sequence: { id: "B", type_id: 1 } },
        ],
        special_tokens: {
          "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] },
          "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] },
        },
      };
      const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };
      await writeFile(
        join(dir, "tokenizer.json"),
        JSON.stringify({ ...base, post_processor: { type: "Sequence", processors: [byteLevel, template] } }),
      );
      const seq = await Tokenizer.fromDir(dir);
      assert.deepEqual(seq.encode("hello world", 2), { ids: [2, 4], typeIds: [0, 0], truncated: true });
      assert.deepEqual(seq.encodePair("hello", "world", 512), {
        ids: [4, 3, 5],
        typeIds: [0, 0, 1],
        truncated: false,
      });
      assert.equal(seq.numSpecialTokens(false), 1);
      assert.equal(seq.numSpecialTokens(true), 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Tokenizer.fromDir errors", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rerankers-tokenizer-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names a missing tokenizer.json", async () => {
    await assert.rejects(Tokenizer.fromDir(dir), (e: unknown) => {
      assert.ok(e instanceof ModelFilesError);
      assert.match(e.message, /tokenizer\.json/);
      return true;
    });
  });

  it("names a corrupt tokenizer.json", async () => {
    await writeFile(join(dir, "tokenizer.json"), "{ not json");
    await assert.rejects(
      Tokenizer.fromDir(dir),
      (e: unknown) => e instanceof ModelFilesError && /not valid JSON/.test(e.message),
    );
  });

  it("rejects a tokenizer.json without a model", async () => {
    await writeFile(join(dir, "tokenizer.json"), JSON.stringify({ added_tokens: [], normalizer: null }));
    await assert.rejects(Tokenizer.fromDir(dir), ModelFilesError);
  });
});
