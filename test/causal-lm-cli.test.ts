import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CAUSAL_DIR, type CausalCase, causalBlock, maxAbsDiff } from "./helpers/causal-lm-cases.js";
import { runCliJson } from "./helpers/cli.js";

interface CliOutput {
  query: string;
  model: string;
  modelType: string;
  results: {
    docId: string | number;
    text: string;
    score: number;
    rank: number;
    metadata: Record<string, unknown>;
  }[];
}

const tmp = mkdtempSync(join(tmpdir(), "rerankers-causal-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Run `fns` at most `limit` at a time (the CLI start-up dominates; the suite runs on 2 cores). */
async function limited<T>(fns: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(fns.length);
  let next = 0;
  const worker = async () => {
    while (next < fns.length) {
      const i = next++;
      out[i] = await fns[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, fns.length) }, worker));
  return out;
}

for (const block of ["mxbaiv2", "qwen3"] as const) {
  describe(`CLI rank --model-type ${block} (reference parity)`, () => {
    const cases = causalBlock(block).cases;
    const outputs = new Map<string, CliOutput | Error>();

    before(async () => {
      const jobs = cases.map((c: CausalCase, i: number) => async () => {
        const file = join(tmp, `${block}-${i}.jsonl`);
        writeFileSync(file, `${c.docs.map((d) => JSON.stringify(d)).join("\n")}\n`);
        const args = [
          "rank",
          "--model",
          CAUSAL_DIR,
          "--model-type",
          block,
          "--query",
          c.query,
          "--docs",
          file,
          "--json",
        ];
        if (c.instruction !== null && !(block === "qwen3" && c.name !== "with-instruction")) {
          args.push("--option", `instruction=${c.instruction}`);
        }
        outputs.set(c.name, await runCliJson<CliOutput>(args).catch((e: Error) => e));
      });
      await limited(jobs, 2);
    });

    for (const c of cases) {
      test(c.name, () => {
        const out = outputs.get(c.name);
        assert.ok(out !== undefined && !(out instanceof Error), String(out));
        assert.equal(out.modelType, block);
        assert.equal(out.query, c.query);
        assert.deepEqual(
          out.results.map((r) => r.rank),
          c.docs.map((_, i) => i + 1),
        );
        assert.deepEqual(
          out.results.map((r) => r.docId),
          c.ranking,
        );
        const byId = new Map(out.results.map((r) => [r.docId, r]));
        const scores = c.docs.map((d) => byId.get(d.docId)?.score as number);
        assert.ok(maxAbsDiff(scores, c.scores) <= 1e-4, `${scores} vs ${c.scores}`);
        for (const d of c.docs) {
          assert.equal(byId.get(d.docId)?.text, d.text);
          assert.deepEqual(byId.get(d.docId)?.metadata, d.metadata ?? {});
        }
      });
    }
  });
}
