import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { InvalidInputError, ModelFilesError } from "../src/core/errors.js";
import { Tokenizer } from "../src/engine/tokenizer.js";
import {
  DEFAULT_PREDICTION_TOKENS,
  PREDICTION_TOKENS,
  predictionTokens,
  resolveTokenId,
} from "../src/methods/t5-tokens.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

describe("t5 prediction token table (rerankers-python §2.3)", () => {
  const cases: [string, readonly (string | number)[]][] = [
    ["castorini/monot5-base-msmarco", ["▁false", "▁true"]],
    ["castorini/monot5-3b-msmarco-10k", ["▁false", "▁true"]],
    ["unicamp-dl/InRanker-base", ["▁false", "▁true"]],
    ["unicamp-dl/InRanker-3B", ["▁false", "▁true"]],
    ["unicamp-dl/mt5-base-mmarco-v2", ["▁no", "▁yes"]],
    ["unicamp-dl/mt5-base-en-pt-msmarco-v1", ["▁no", "▁yes"]],
    ["unicamp-dl/ptt5-base-pt-msmarco-10k-v2", ["▁não", "▁sim"]],
    ["unicamp-dl/ptt5-base-en-pt-msmarco-10k-v1", ["▁não", "▁sim"]],
    ["unicamp-dl/mt5-3B-mmarco-en-pt", ["▁", "▁true"]],
    ["unicamp-dl/mt5-13b-mmarco-100k", ["▁", "▁true"]],
    ["unicamp-dl/monoptt5-small", ["▁Não", "▁Sim"]],
    ["unicamp-dl/monoptt5-3b", ["▁Não", "▁Sim"]],
    ["Dundalia/TWOLAR-large", [6136, 1176]],
    ["Dundalia/TWOLAR-xl", [6136, 1176]],
  ];
  for (const [name, pair] of cases) {
    it(`${name} -> ${JSON.stringify(pair)}`, () => {
      const r = predictionTokens(name);
      assert.equal(r.known, true);
      assert.deepEqual([...r.tokens], pair);
    });
  }

  it("has exactly the Python entries (10 + 5 + 6 + 2 + 4 + 2)", () => {
    assert.equal(PREDICTION_TOKENS.size, 29);
  });

  it("uses U+2581 and precomposed Portuguese letters", () => {
    assert.equal(predictionTokens("unicamp-dl/ptt5-base-pt-msmarco-100k-v2").tokens[0], "\u2581n\u00e3o");
  });

  it("matches names case-insensitively and falls back to ▁false/▁true for unknown names", () => {
    assert.deepEqual([...predictionTokens("dundalia/twolar-xl").tokens], [6136, 1176]);
    const unknown = predictionTokens("/models/my-monot5");
    assert.equal(unknown.known, false);
    assert.deepEqual([...unknown.tokens], [...DEFAULT_PREDICTION_TOKENS]);
    assert.deepEqual([...DEFAULT_PREDICTION_TOKENS], ["▁false", "▁true"]);
  });
});

describe("resolveTokenId against the tiny-monot5 vocabulary", () => {
  const ref = readReference("tiny-monot5");
  let tok: Tokenizer;
  before(async () => {
    tok = await Tokenizer.fromDir(fixturePath("tiny-monot5"));
  });

  it("maps the reference tokens to the reference ids", () => {
    assert.equal(resolveTokenId(ref.token_false, tok, 1000, "tokenFalse", false), ref.token_false_id);
    assert.equal(resolveTokenId(ref.token_true, tok, 1000, "tokenTrue", false), ref.token_true_id);
  });

  it("takes numeric ids as they are, and digit strings as ids (CLI)", () => {
    assert.equal(resolveTokenId(42, tok, 1000, "tokenTrue", true), 42);
    assert.equal(resolveTokenId("42", tok, 1000, "tokenTrue", true), 42);
  });

  it("never falls back silently to <unk>", () => {
    assert.throws(
      () => resolveTokenId("▁definitely-not-a-piece", tok, 1000, "tokenTrue", true),
      InvalidInputError,
    );
    assert.throws(
      () => resolveTokenId("▁definitely-not-a-piece", tok, 1000, "tokenTrue", false),
      ModelFilesError,
    );
    assert.throws(() => resolveTokenId(1000, tok, 1000, "tokenTrue", true), InvalidInputError);
    assert.throws(() => resolveTokenId(-1, tok, 1000, "tokenTrue", true), InvalidInputError);
    assert.throws(() => resolveTokenId(1.5, tok, 1000, "tokenTrue", true), InvalidInputError);
    assert.equal(resolveTokenId("<unk>", tok, 1000, "tokenTrue", true), tok.unkTokenId);
  });
});
