import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { Ranker } from "../src/core/ranker.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { Reranker, resolveModel } from "../src/index.js";
import { QWEN3_PROMPT, Qwen3Prompter, yesProbability } from "../src/methods/qwen3.js";
import { CAUSAL_DIR, causalBlock, maxAbsDiff, rankCase } from "./helpers/causal-lm-cases.js";

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
const ref = causalBlock("qwen3") as ReturnType<typeof causalBlock> & Record<string, any>;
const rankers = new Map<string, Promise<Ranker>>();
function ranker(instruction: string | null): Promise<Ranker> {
  const key = instruction ?? "";
  if (!rankers.has(key)) {
    const opts = instruction && instruction !== QWEN3_PROMPT.defaultInstruction ? { instruction } : {};
    rankers.set(key, Reranker(CAUSAL_DIR, { modelType: "qwen3", ...opts }));
  }
  return rankers.get(key) as Promise<Ranker>;
}
after(async () => {
  for (const r of rankers.values()) await (await r).close();
});

describe("qwen3 prompt (reference ids)", async () => {
  const tokenizer = await Tokenizer.fromDir(CAUSAL_DIR);
  const prompter = new Qwen3Prompter(tokenizer, ref.max_length);

  test("prefix, suffix, yes/no ids and body budget", () => {
    assert.equal(QWEN3_PROMPT.prefix, ref.prompt.prefix);
    assert.equal(QWEN3_PROMPT.suffix, ref.prompt.suffix);
    assert.equal(QWEN3_PROMPT.template, ref.prompt.template);
    assert.equal(QWEN3_PROMPT.defaultInstruction, ref.prompt.default_instruction);
    assert.deepEqual(prompter.prefix, ref.prefix_ids);
    assert.deepEqual(prompter.suffix, ref.suffix_ids);
    assert.equal(tokenizer.tokenToId(ref.prompt.token_true), ref.token_true_id);
    assert.equal(tokenizer.tokenToId(ref.prompt.token_false), ref.token_false_id);
    assert.equal(prompter.bodyMax, ref.pair_max_length);
  });

  for (const c of ref.cases) {
    test(`input ids: ${c.name}`, () => {
      const rows = c.docs.map((d) =>
        prompter.promptIds(c.query, d.text, c.instruction ?? QWEN3_PROMPT.defaultInstruction),
      );
      assert.deepEqual(rows, c.input_ids);
    });
  }

  test("placeholders in the query are not substituted again", () => {
    const a = prompter.promptIds("{doc} {instruction}", "d", "i");
    const b = tokenizer.tokenize("<Instruct>: i\n<Query>: {doc} {instruction}\n<Document>: d");
    assert.deepEqual(a.slice(prompter.prefix.length, a.length - prompter.suffix.length), b);
  });

  test("a smaller maxLength cuts the end of the body, keeping prefix and suffix", () => {
    const c = ref.cases.find((x) => x.name === "long-document") ?? ref.cases[3];
    const small = new Qwen3Prompter(tokenizer, 120);
    const row = small.promptIds(c.query, c.docs[0].text, QWEN3_PROMPT.defaultInstruction);
    assert.equal(row.length, 120);
    const full = c.input_ids[0];
    assert.deepEqual(row.slice(0, 120 - ref.suffix_ids.length), full.slice(0, 120 - ref.suffix_ids.length));
    assert.deepEqual(row.slice(-ref.suffix_ids.length), ref.suffix_ids);
  });

  test("P(yes) is the softmax over [no, yes]", () => {
    assert.equal(yesProbability(0, 0), 0.5);
    assert.ok(Math.abs(yesProbability(1, 3) - 1 / (1 + Math.exp(-2))) < 1e-15);
    assert.equal(yesProbability(-1000, 1000), 1);
  });
});

describe("qwen3 parity through Reranker(dir, { modelType: 'qwen3' })", () => {
  for (const c of ref.cases) {
    test(c.name, async () => {
      const { scores, ranking } = await rankCase(await ranker(c.instruction), c);
      assert.ok(maxAbsDiff(scores, c.scores) <= 1e-4, `scores ${scores} vs ${c.scores}`);
      assert.deepEqual(ranking, c.ranking);
    });
  }

  test("batched (left padded, mixed lengths) equals one document at a time", async () => {
    const c = ref.cases.find((x) => x.name === "forty-five-docs") ?? ref.cases[1];
    const r = await ranker(null);
    const texts = c.docs.slice(0, 10).map((d) => d.text);
    assert.ok(new Set(c.input_ids.slice(0, 10).map((row) => row.length)).size > 3);
    const batched = await r.rank(c.query, texts, { batchSize: 10 });
    for (let i = 0; i < texts.length; i++) {
      const inBatch = batched.results.find((x) => x.docId === i)?.score as number;
      const single = await r.score(c.query, texts[i]);
      assert.ok(Math.abs(single - inBatch) <= 1e-6, `doc ${i}: ${single} vs ${inBatch}`);
      assert.ok(Math.abs(single - c.scores[i]) <= 1e-4);
    }
  });

  test("maxLength above the model's positions is capped to them (long document still matches)", async () => {
    const c = ref.cases.find((x) => x.name === "long-document") ?? ref.cases[3];
    const r = await Reranker(CAUSAL_DIR, { modelType: "qwen3", maxLength: 100000 });
    try {
      const { scores } = await rankCase(r, c);
      assert.ok(maxAbsDiff(scores, c.scores) <= 1e-4);
    } finally {
      await r.close();
    }
  });

  test("the name detects qwen3", () => {
    assert.equal(resolveModel("Qwen/Qwen3-Reranker-0.6B").modelType, "qwen3");
  });
});
