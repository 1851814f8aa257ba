import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  answerProbabilities,
  escapeIdentifiers,
  mapLimit,
  parseJudgements,
  parsePermutation,
  RELEVANCE_TEMPLATE,
  rankGptMessages,
  rankLlmMessages,
  relevanceMessages,
  relevanceProbability,
  slidingWindowRerank,
  windowSpans,
} from "../src/llm/index.js";

const spans = (n: number, windowSize = 20, step = 10) =>
  windowSpans({ windowSize, step, rankEnd: n }).map((s) => [s.start, s.end]);

describe("sliding windows (rank_llm loop, reference §2.5)", () => {
  test("45 documents, window 20, step 10", () => {
    assert.deepEqual(spans(45), [
      [25, 45],
      [15, 35],
      [5, 25],
      [0, 15],
    ]);
  });
  test("100 documents reach the front with [0,20)", () => {
    const s = spans(100);
    assert.deepEqual(s[0], [80, 100]);
    assert.deepEqual(s.at(-1), [0, 20]);
    assert.equal(s.length, 9);
  });
  test("fewer documents than the window: one call over all of them", () => {
    assert.deepEqual(spans(7), [[0, 7]]);
    assert.deepEqual(spans(20), [[0, 20]]);
    assert.deepEqual(spans(1), [[0, 1]]);
    assert.deepEqual(spans(0), []);
  });
  test("every position is covered for many geometries", () => {
    for (let n = 1; n <= 60; n++) {
      for (const [w, s] of [
        [20, 10],
        [5, 2],
        [4, 4],
        [3, 1],
      ]) {
        const seen = new Set<number>();
        for (const [a, b] of spans(n, w, s)) for (let i = a; i < b; i++) seen.add(i);
        assert.equal(seen.size, n, `n=${n} w=${w} s=${s}`);
      }
    }
  });
  test("bad step is rejected", () => {
    assert.throws(() => windowSpans({ windowSize: 5, step: 6, rankEnd: 10 }), /step/);
    assert.throws(() => windowSpans({ windowSize: 5, step: 0, rankEnd: 10 }), /step/);
  });
  test("slidingWindowRerank bubbles the best document from the back to the front", async () => {
    // 45 documents whose "relevance" is their index: the best (44) starts last.
    const order = Array.from({ length: 45 }, (_, i) => i);
    const seen: number[][] = [];
    const out = await slidingWindowRerank(
      order,
      { windowSize: 20, step: 10, rankEnd: 45 },
      async (indices) => {
        seen.push(indices);
        return indices.map((_, k) => k).sort((a, b) => indices[b] - indices[a]);
      },
    );
    assert.equal(seen.length, 4);
    assert.deepEqual(
      seen[0],
      Array.from({ length: 20 }, (_, k) => 25 + k),
    );
    assert.deepEqual(out.slice(0, 10), [44, 43, 42, 41, 40, 39, 38, 37, 36, 35]);
    assert.deepEqual(
      [...out].sort((a, b) => a - b),
      order,
    );
  });
  test("rankEnd: documents after it keep their order", async () => {
    const out = await slidingWindowRerank(
      [0, 1, 2, 3, 4, 5],
      { windowSize: 20, step: 10, rankEnd: 3 },
      async (ix) => ix.map((_, k) => ix.length - 1 - k),
    );
    assert.deepEqual(out, [2, 1, 0, 3, 4, 5]);
  });
});

describe("permutation parsing", () => {
  test("clean list, multi-digit ids", () => {
    assert.deepEqual(parsePermutation("[12] > [3] > [1]", 12).slice(0, 3), [11, 2, 0]);
  });
  test("prose around the list: bare numbers in prose are ignored when ids are bracketed", () => {
    const reply = "Sure! Ranking the 4 passages, top 2 first:\n[2] > [4] > [1] > [3]\nDone.";
    assert.deepEqual(parsePermutation(reply, 4), [1, 3, 0, 2]);
  });
  test("duplicates (first wins), out-of-range, missing appended in previous order", () => {
    assert.deepEqual(parsePermutation("[3] > [0] > [3] > [9] > [1]", 5), [2, 0, 1, 3, 4]);
  });
  test("no brackets: bare numbers still work; nothing at all keeps the order", () => {
    assert.deepEqual(parsePermutation("3 > 1 > 2", 3), [2, 0, 1]);
    assert.deepEqual(parsePermutation("I cannot help with that.", 3), [0, 1, 2]);
  });
  test("always a permutation", () => {
    for (const reply of ["", "[1]>[1]>[1]", "[100] > [2]", "2 2 2 7 -1", "[ 2 ] > [ 1 ]"]) {
      const p = parsePermutation(reply, 5);
      assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4]);
    }
  });
});

describe("RankGPT messages (reference §2.5, verbatim)", () => {
  test("structure and exact strings", () => {
    const m = rankGptMessages("what is x", ["alpha", "Title: Content:  beta  gamma "]);
    assert.equal(m.length, 3 + 2 * 2 + 1);
    assert.deepEqual(m[0], {
      role: "system",
      content:
        "You are RankGPT, an intelligent assistant that can rank passages based on their relevancy to the query.",
    });
    assert.equal(
      m[1].content,
      "I will provide you with 2 passages, each indicated by number identifier []. \nRank the passages based on their relevance to query: what is x.",
    );
    assert.deepEqual(m[2], { role: "assistant", content: "Okay, please provide the passages." });
    assert.deepEqual(m[3], { role: "user", content: "[1] alpha" });
    assert.deepEqual(m[4], { role: "assistant", content: "Received passage [1]." });
    assert.deepEqual(m[5], { role: "user", content: "[2] beta gamma" });
    assert.equal(
      m[7].content,
      "Search Query: what is x. \nRank the 2 passages above based on their relevance to the search query. The passages should be listed in descending order using identifiers. The most relevant passages should be listed first. The output format should be [] > [], e.g., [1] > [2]. Only response the ranking results, do not say any word or explain.",
    );
  });
  test("300-word budget; 300 characters for zh/ja", () => {
    const long = Array.from({ length: 400 }, (_, i) => `w${i}`).join("  ");
    assert.equal(rankGptMessages("q", [long])[3].content.split(" ").length, 1 + 300);
    const zh = "字".repeat(500);
    assert.equal(rankGptMessages("q", [zh], "zh")[3].content, `[1] ${"字".repeat(300)}`);
    assert.equal(rankGptMessages("q", [zh], "en")[3].content, `[1] ${zh}`);
  });
});

describe("rank_llm prompt (reference §2.6)", () => {
  test("one user message, escaped identifiers, word budget", () => {
    const m = rankLlmMessages("see [1] here", ["doc [2] text", "  other  "]);
    assert.equal(m.length, 1);
    assert.equal(m[0].role, "user");
    assert.equal(
      m[0].content,
      "I will provide you with 2 passages, each indicated by a numerical identifier []. Rank the passages based on their relevance to the search query: see (1) here.\n\n" +
        "[1] doc (2) text\n[2] other\n" +
        "Search Query: see (1) here.\nRank the 2 passages above based on their relevance to the search query. All the passages should be included and listed using identifiers, in descending order of relevance. The output format should be [] > [], e.g., [4] > [2], Only respond with the ranking results, do not say any word or explain.",
    );
    assert.equal(escapeIdentifiers("[10] and [x]"), "(10) and [x]");
  });
  test("budget is 300 * 20 / window length words", () => {
    const long = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(" ");
    const twenty = rankLlmMessages("q", Array(20).fill(long))[0].content;
    assert.equal(/^\[1\] (.*)$/m.exec(twenty)?.[1].split(" ").length, 300);
    const fifteen = rankLlmMessages("q", Array(15).fill(long))[0].content;
    assert.equal(/^\[1\] (.*)$/m.exec(fifteen)?.[1].split(" ").length, 400);
  });
});

describe("relevance filter prompt and parsing (reference §2.8)", () => {
  test("template is Python's, documents 0-based", () => {
    const m = relevanceMessages("q $& {docu_inputs}", ["a", "b"]);
    assert.equal(m.length, 1);
    assert.ok(m[0].content.includes("<query>\nq $& {docu_inputs}\n</query>"));
    assert.ok(
      m[0].content.includes(
        "<documents>\n<document id=0>\na\n</document>\n<document id=1>\nb\n</document>\n</documents>",
      ),
    );
    assert.ok(RELEVANCE_TEMPLATE.endsWith("no other option is permitted."));
  });
  test("quoted ids, missing closing tags, missing and out-of-range ids", () => {
    const reply = `<document id="1">
<explanation>x</explanation>
<answer>
NOT_RELEVANT
</answer>
<document id=0>
<answer>relevant</answer>
</document>
<document id=7><answer>RELEVANT</answer></document>
<document id=0><answer>NOT_RELEVANT</answer></document>`;
    const j = parseJudgements(reply, 3);
    assert.equal(j[0]?.label, "RELEVANT");
    assert.equal(j[1]?.label, "NOT_RELEVANT");
    assert.equal(j[2], undefined);
    assert.equal(reply.slice(j[1]?.offset, (j[1]?.offset ?? 0) + 12), "NOT_RELEVANT");
  });
  test("probability from split answer tokens", () => {
    const tokens = [
      { token: "<answer>\n", logprob: 0, topLogprobs: [] },
      {
        token: "REL",
        logprob: Math.log(0.7),
        topLogprobs: [
          { token: "REL", logprob: Math.log(0.7) },
          { token: "NOT", logprob: Math.log(0.2) },
          { token: " RELEVANT", logprob: Math.log(0.05) },
          { token: "maybe", logprob: Math.log(0.05) },
        ],
      },
      { token: "EVANT", logprob: 0, topLogprobs: [] },
      { token: "\n</answer>", logprob: 0, topLogprobs: [] },
    ];
    const reply = tokens.map((t) => t.token).join("");
    const p = relevanceProbability(reply, tokens, reply.indexOf("RELEVANT"));
    assert.ok(Math.abs((p ?? 0) - 0.75 / 0.95) < 1e-12);
    assert.equal(relevanceProbability(`${reply}x`, tokens, 9), undefined);
  });
});

test("answer tokens are found even when byte-level tokens do not spell the reply", () => {
  const reply = "<document id=0>\nThe café.\n<answer>\nRELEVANT\n</answer>\n</document>";
  const plain = (token: string) => ({ token, logprob: 0, topLogprobs: [] });
  const tokens = [
    plain("<document id=0>\nThe caf"),
    plain("\\xc3"),
    plain("\\xa9"),
    plain(".\n<answer>\n"),
    {
      token: "REL",
      logprob: Math.log(0.8),
      topLogprobs: [
        { token: "REL", logprob: Math.log(0.8) },
        { token: "NOT", logprob: Math.log(0.2) },
      ],
    },
    plain("EVANT"),
    plain("\n</answer>\n</document>"),
  ];
  const judgements = parseJudgements(reply, 2);
  assert.equal(relevanceProbability(reply, tokens, judgements[0]?.offset ?? -1), undefined);
  const p = answerProbabilities(judgements, tokens);
  assert.ok(Math.abs((p[0] ?? 0) - 0.8) < 1e-12);
  assert.equal(p[1], undefined);
});

test("mapLimit bounds concurrency and keeps order", async () => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (x) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, x * 2));
    running--;
    return x * 10;
  });
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
  assert.equal(peak, 2);
});
