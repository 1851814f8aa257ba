import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { Ranker } from "../src/core/ranker.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import { Reranker } from "../src/index.js";
import { assembleMxbai, MxbaiPrompter, mxbaiBudgets, mxbaiDocMax } from "../src/methods/mxbaiv2.js";
import { CAUSAL_DIR, causalBlock, maxAbsDiff, rankCase } from "./helpers/causal-lm-cases.js";

// biome-ignore lint/suspicious/noExplicitAny: reference.json is free-form
const ref = causalBlock("mxbaiv2") as ReturnType<typeof causalBlock> & Record<string, any>;
const rankers = new Map<string, Promise<Ranker>>();
function ranker(instruction: string | null): Promise<Ranker> {
  const key = instruction ?? "";
  if (!rankers.has(key)) {
    rankers.set(key, Reranker(CAUSAL_DIR, { modelType: "mxbaiv2", ...(instruction ? { instruction } : {}) }));
  }
  return rankers.get(key) as Promise<Ranker>;
}
after(async () => {
  for (const r of rankers.values()) await (await r).close();
});

describe("mxbaiv2 prompt and budgets (reference ids)", async () => {
  const tokenizer = await Tokenizer.fromDir(CAUSAL_DIR);
  const prompter = new MxbaiPrompter(tokenizer, ref.model_max_length);

  test("fixed pieces and marker ids come from the tokenizer", () => {
    assert.deepEqual(prompter.pieces.prefix, ref.prefix_ids);
    assert.deepEqual(prompter.pieces.suffix, ref.suffix_ids);
    assert.deepEqual(prompter.pieces.task, ref.task_prompt_ids);
    assert.deepEqual(prompter.pieces.sep, ref.sep_ids);
    assert.equal(tokenizer.tokenToId(ref.prompt.pos_token), ref.pos_id);
    assert.equal(tokenizer.tokenToId(ref.prompt.neg_token), ref.neg_id);
  });

  test("budgets: static length, max_length reduced to model max - static, 3/4 and 1/4", () => {
    assert.equal(prompter.budgets.staticLength, ref.static_tokens_length);
    assert.equal(prompter.budgets.maxLength, ref.max_length);
    assert.equal(prompter.budgets.queryMax, ref.query_max_length);
    assert.equal(prompter.budgets.docCap, ref.doc_max_length_cap);
    // A model with room keeps 8192.
    assert.equal(mxbaiBudgets(prompter.pieces, 32768).maxLength, 8192);
  });

  for (const c of ref.cases) {
    test(`input ids: ${c.name}`, () => {
      const queryIds = prompter.queryIds(c.query, c.instruction ?? undefined);
      assert.deepEqual(queryIds, c.query_ids);
      assert.equal(mxbaiDocMax(prompter.budgets, queryIds.length), c.doc_max_length);
      const rows = c.docs.map((d) => prompter.promptIds(queryIds, d.text));
      assert.deepEqual(rows, c.input_ids);
    });
  }

  test("only_second truncation cuts the end of sep + document, never the query", () => {
    const pieces = { prefix: [1], task: [2], suffix: [3], sep: [9] };
    assert.deepEqual(assembleMxbai(pieces, [4, 4, 4], [5, 6, 7], 5), [1, 4, 4, 4, 9, 5, 9, 2, 3]);
    // Too short to absorb the excess: left as is (Python logs and does not truncate).
    assert.deepEqual(assembleMxbai(pieces, [4, 4, 4, 4, 4], [], 4), [1, 4, 4, 4, 4, 4, 9, 9, 2, 3]);
  });
});

describe("mxbaiv2 parity through Reranker(dir, { modelType: 'mxbaiv2' })", () => {
  for (const c of ref.cases) {
    test(c.name, async () => {
      const { scores, ranking } = await rankCase(await ranker(c.instruction), c);
      assert.ok(maxAbsDiff(scores, c.scores) <= 1e-4, `scores ${scores} vs ${c.scores}`);
      assert.deepEqual(ranking, c.ranking);
    });
  }

  test("score(query, doc) equals the reference pair score", async () => {
    const c = ref.cases[0];
    const s = await (await ranker(null)).score(c.query, c.docs[3].text);
    assert.ok(Math.abs(s - c.scores[3]) <= 1e-4);
  });

  test("batched (left padded, mixed lengths) equals one document at a time", async () => {
    const c = ref.cases.find((x) => x.name === "forty-five-docs") ?? ref.cases[1];
    const r = await ranker(null);
    const texts = c.docs.slice(0, 12).map((d) => d.text);
    const lengths = new Set(c.input_ids.slice(0, 12).map((row) => row.length));
    assert.ok(lengths.size > 3, "the documents must differ in length");
    const batched = await r.rank(c.query, texts, { batchSize: 12 });
    const byIdx = texts.map((_, i) => batched.results.find((x) => x.docId === i)?.score as number);
    for (let i = 0; i < texts.length; i++) {
      const single = await r.score(c.query, texts[i]);
      assert.ok(Math.abs(single - byIdx[i]) <= 1e-5, `doc ${i}: ${single} vs ${byIdx[i]}`);
      assert.ok(Math.abs(single - c.scores[i]) <= 1e-4);
    }
  });

  test("an aborted signal stops ranking with AbortedError", async () => {
    const c = ref.cases[1];
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      (await ranker(null)).rank(
        c.query,
        c.docs.map((d) => d.text),
        { signal: ac.signal },
      ),
      { name: "AbortedError" },
    );
  });

  test("aborting between batches stops before the next model call", async () => {
    const c = ref.cases[1];
    const ac = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      (await ranker(null)).rank(
        c.query,
        c.docs.map((d) => d.text),
        {
          batchSize: 2,
          signal: ac.signal,
          onProgress: (p) => {
            seen.push(p.done);
            ac.abort();
          },
        },
      ),
      { name: "AbortedError" },
    );
    assert.ok(seen.length >= 1 && Math.max(...seen) < c.docs.length, `progress ${seen}`);
  });

  test("other marker tokens can be passed as options (snake_case from the CLI too)", async () => {
    const c = ref.cases[0];
    // Swapping the markers negates the score: logit("0") - logit("1").
    const r = await Reranker(CAUSAL_DIR, { modelType: "mxbaiv2", token_true: 0, tokenFalse: "1" });
    try {
      const s = await r.score(c.query, c.docs[2].text);
      assert.ok(Math.abs(s + c.scores[2]) <= 1e-4);
    } finally {
      await r.close();
    }
  });

  test("progress reaches the document count", async () => {
    const c = ref.cases[0];
    const seen: number[] = [];
    await (await ranker(null)).rank(
      c.query,
      c.docs.map((d) => d.text),
      { batchSize: 3, onProgress: (p) => seen.push(p.done) },
    );
    assert.equal(seen.at(-1), c.docs.length);
    assert.ok(seen.length > 1);
  });

  test("the name detects mxbaiv2", async () => {
    const { resolveModel } = await import("../src/index.js");
    assert.equal(resolveModel("mixedbread-ai/mxbai-rerank-base-v2").modelType, "mxbaiv2");
  });
});
