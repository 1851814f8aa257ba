import assert from "node:assert/strict";
import type { DocId } from "../../src/core/documents.js";
import type { Ranker } from "../../src/core/ranker.js";
import type { RankedResults } from "../../src/core/results.js";
import { findOnnxFile } from "../../src/engine/model-files.js";
import { PairClassifier } from "../../src/engine/pair-classifier.js";

export interface RefDoc {
  text: string;
  docId: DocId;
  metadata?: Record<string, unknown>;
}
export interface RefCase {
  name: string;
  query: string;
  docs: RefDoc[];
  input_ids: number[][];
  token_type_ids?: number[][];
  scores: number[];
  ranking: DocId[];
}

export const TOL = 1e-4;

/** Scores within 1e-4 (looked up by docId), same ranking, docIds and metadata preserved. */
export function assertMatchesCase(results: RankedResults, c: RefCase, label = c.name): void {
  assert.deepEqual(
    results.results.map((r) => r.docId),
    c.ranking,
    `${label}: ranking`,
  );
  c.docs.forEach((doc, i) => {
    const r = results.resultOf(doc.docId);
    assert.ok(r, `${label}: result for ${String(doc.docId)}`);
    assert.ok(
      Math.abs((r.score as number) - c.scores[i]) <= TOL,
      `${label}: score of ${String(doc.docId)} ${r.score} vs ${c.scores[i]}`,
    );
    assert.equal(r.text, doc.text);
    assert.deepEqual(r.metadata, doc.metadata ?? {});
  });
}

export async function rankCase(
  ranker: Ranker,
  c: RefCase,
  options: { batchSize?: number } = {},
): Promise<RankedResults> {
  return ranker.rank(c.query, c.docs, options);
}

/** The engine's pair encodings equal the reference token ids (and token type ids where the model takes them). */
export async function assertTokenIds(
  dir: string,
  cases: RefCase[],
  onnxPath?: string,
  maxLength?: number,
): Promise<void> {
  const clf = await PairClassifier.load(dir, onnxPath ?? (await findOnnxFile(dir, "model", "fp32")), {
    maxLength,
  });
  try {
    for (const c of cases) {
      const enc = clf.encodePairs(
        c.query,
        c.docs.map((d) => d.text),
      );
      assert.deepEqual(
        enc.map((e) => e.ids),
        c.input_ids,
        `${c.name}: input ids`,
      );
      if (c.token_type_ids && clf.inputNames.has("token_type_ids")) {
        assert.deepEqual(
          enc.map((e) => e.typeIds),
          c.token_type_ids,
          `${c.name}: token type ids`,
        );
      }
    }
  } finally {
    await clf.close();
  }
}
