import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../core/errors.js";
import type { Qrels } from "./metrics.js";

export interface BeirDataset {
  corpus: Map<string, { title: string; text: string }>;
  queries: Map<string, string>;
  qrels: Qrels;
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new InvalidInputError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function jsonLines(text: string, path: string): Record<string, unknown>[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => [line, i] as const)
    .filter(([line]) => line.trim() !== "")
    .map(([line, i]) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new InvalidInputError(`${path} line ${i + 1}: not valid JSON`);
      }
    });
}

/** A TREC-style tab/space separated file with an optional header line. */
function rows(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => l.split(/\s+/));
}

/** qrels/<split>.tsv: `query-id corpus-id score` (BEIR, with header) or `qid 0 docid rel` (TREC). */
export function parseQrels(text: string): Qrels {
  const qrels = new Map<string, Map<string, number>>();
  for (const r of rows(text)) {
    const [qid, doc, rel] = r.length >= 4 ? [r[0], r[2], r[3]] : [r[0], r[1], r[2]];
    const value = Number(rel);
    if (!Number.isFinite(value)) continue; // header line
    const m = qrels.get(qid) ?? new Map<string, number>();
    qrels.set(qid, m.set(doc, value));
  }
  return qrels;
}

/** A TREC run: `qid Q0 docid rank score tag`. */
export function parseRun(text: string, path = "run"): Map<string, Map<string, number>> {
  const run = new Map<string, Map<string, number>>();
  rows(text).forEach((r, i) => {
    if (r.length < 6 || !Number.isFinite(Number(r[4]))) {
      throw new InvalidInputError(`${path} line ${i + 1}: expected "qid Q0 docid rank score tag"`);
    }
    const m = run.get(r[0]) ?? new Map<string, number>();
    run.set(r[0], m.set(r[2], Number(r[4])));
  });
  return run;
}

export async function loadBeir(dir: string, split = "test"): Promise<BeirDataset> {
  const corpusPath = join(dir, "corpus.jsonl");
  const queriesPath = join(dir, "queries.jsonl");
  const qrelsPath = join(dir, "qrels", `${split}.tsv`);
  const corpus = new Map<string, { title: string; text: string }>();
  for (const d of jsonLines(await readText(corpusPath), corpusPath)) {
    corpus.set(String(d._id), { title: String(d.title ?? ""), text: String(d.text ?? "") });
  }
  const queries = new Map<string, string>();
  for (const q of jsonLines(await readText(queriesPath), queriesPath))
    queries.set(String(q._id), String(q.text ?? ""));
  const qrels = parseQrels(await readText(qrelsPath));
  if (qrels.size === 0) throw new InvalidInputError(`${qrelsPath} has no judgements`);
  return { corpus, queries, qrels };
}

/** A BEIR document as ranked text: title and body, as BEIR's rerankers concatenate them. */
export function documentText(doc: { title: string; text: string }): string {
  return doc.title ? `${doc.title} ${doc.text}` : doc.text;
}
