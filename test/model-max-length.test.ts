import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type ModelFolder, modelMaxLength, positionLimit } from "../src/engine/model-files.js";
import { InvalidInputError, Reranker } from "../src/index.js";
import { fixturePath } from "./helpers/fixtures.js";

const folder = (
  config: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown> = {},
): ModelFolder => ({
  dir: "/m",
  config,
  tokenizerConfig,
  specialTokensMap: {},
});

describe("modelMaxLength", () => {
  it("is the tokenizer's model_max_length, as in Python", () => {
    assert.equal(modelMaxLength(folder({ max_position_embeddings: 512 }, { model_max_length: 256 })), 256);
  });
  it("never exceeds absolute position embeddings (RoBERTa positions start after the pad id)", () => {
    assert.equal(modelMaxLength(folder({ max_position_embeddings: 512 }, { model_max_length: 1024 })), 512);
    assert.equal(
      modelMaxLength(
        folder(
          { model_type: "xlm-roberta", max_position_embeddings: 514, pad_token_id: 1 },
          { model_max_length: 8192 },
        ),
      ),
      512,
    );
    assert.equal(modelMaxLength(folder({ max_position_embeddings: 512 }, { model_max_length: 1e30 })), 512);
  });
  it("does not cap relative-position models", () => {
    const deberta = folder(
      { model_type: "deberta-v2", max_position_embeddings: 512, position_biased_input: false },
      { model_max_length: 1024 },
    );
    assert.equal(positionLimit(deberta), undefined);
    assert.equal(modelMaxLength(deberta), 1024);
  });
  it("falls back to 512", () => {
    assert.equal(modelMaxLength(folder({})), 512);
  });
});

describe("a cross-encoder whose tokenizer claims more than its positions", () => {
  it("truncates at the position limit instead of failing inside the model, and rejects a larger maxLength", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rerankers-maxlen-"));
    cpSync(fixturePath("tiny-bert-cross-encoder"), dir, { recursive: true });
    const tc = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8"));
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ ...tc, model_max_length: 4096 }));
    const ranker = await Reranker(dir, { modelType: "cross-encoder" });
    const res = await ranker.rank("q", ["short", "word ".repeat(2000)]);
    assert.equal(res.length, 2);
    assert.equal(res.resultOf(1)?.flags.truncated, true);
    await ranker.close();
    await assert.rejects(Reranker(dir, { modelType: "cross-encoder", maxLength: 2000 }), InvalidInputError);
  });
});
