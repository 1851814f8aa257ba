import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../core/errors.js";
import type { Qrels } from "./metrics.js";
import type { EvalWarning, WarningSink } from "./warnings.js";

export interface BeirDataset {
  corpus: Map<string, { title: string; text: string }>;
  queries: Map<string, string>;
  qrels: Qrels;
  /** Problems found while loading (duplicate corpus ids, judged queries without text). */
  warnings?: EvalWarning[];
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

/** Non-empty lines of a JSON-lines file as objects, each with a string or number `_id`. */
function jsonLines(text: string, path: string): { id: string; row: Record<string, unknown>; line: number }[] {
  const out: { id: string; row: Record<string, unknown>; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch {
      throw new InvalidInputError(`${path} line ${i + 1}: not valid JSON`);
    }
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new InvalidInputError(
        `${path} line ${i + 1}: expected a JSON object, got ${JSON.stringify(row)}`,
      );
    }
    const id = (row as Record<string, unknown>)._id;
    if ((typeof id !== "string" || id === "") && typeof id !== "number") {
      throw new InvalidInputError(`${path} line ${i + 1}: missing "_id" (a non-empty string)`);
    }
    out.push({ id: String(id), row: row as Record<string, unknown>, line: i + 1 });
  });
  return out;
}

function textField(row: Record<string, unknown>, key: string, path: string, line: number): string {
  const v = row[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new InvalidInputError(`${path} line ${line}: "${key}" must be a string`);
  return v;
}

/** Whitespace-separated fields of each non-empty line, with 1-based line numbers. */
function rows(text: string): { cells: string[]; line: number }[] {
  return text
    .split(/\r?\n/)
    .map((l, i) => ({ cells: l.trim().split(/\s+/), line: i + 1, empty: l.trim() === "" }))
    .filter((r) => !r.empty)
    .map(({ cells, line }) => ({ cells, line }));
}

/**
 * qrels/<split>.tsv: `query-id corpus-id score` (BEIR; a header line is allowed as the first line) or
 * `qid 0 docid rel` (TREC). Any other row is an error; a pair judged twice must agree.
 */
export function parseQrels(text: string, path = "qrels"): Qrels {
  const qrels = new Map<string, Map<string, number>>();
  const all = rows(text);
  all.forEach(({ cells, line }, i) => {
    if (cells.length !== 3 && cells.length !== 4) {
      throw new InvalidInputError(
        `${path} line ${line}: expected "query-id corpus-id score" or "qid 0 docid rel", got ${cells.length} fields`,
      );
    }
    const [qid, doc, rel] = cells.length === 4 ? [cells[0], cells[2], cells[3]] : cells;
    const value = Number(rel);
    if (!Number.isInteger(value)) {
      if (i === 0 && cells.length === 3) return; // the BEIR header line
      throw new InvalidInputError(`${path} line ${line}: relevance must be an integer, got "${rel}"`);
    }
    const m = qrels.get(qid) ?? new Map<string, number>();
    const seen = m.get(doc);
    if (seen !== undefined && seen !== value) {
      throw new InvalidInputError(`${path} line ${line}: ${qid} ${doc} is judged both ${seen} and ${value}`);
    }
    qrels.set(qid, m.set(doc, value));
  });
  return qrels;
}

/**
 * A TREC run: `qid Q0 docid rank score tag`. A document listed twice for a query keeps its first line (as
 * trec_eval reads it) and is reported through `warn` with a count.
 */
export function parseRun(text: string, path = "run", warn?: WarningSink): Map<string, Map<string, number>> {
  const run = new Map<string, Map<string, number>>();
  let duplicates = 0;
  for (const { cells, line } of rows(text)) {
    const score = Number(cells[4]);
    if (cells.length !== 6 || cells[4] === undefined || !Number.isFinite(score)) {
      throw new InvalidInputError(`${path} line ${line}: expected "qid Q0 docid rank score tag"`);
    }
    const m = run.get(cells[0]) ?? new Map<string, number>();
    if (m.has(cells[2])) duplicates++;
    else m.set(cells[2], score);
    run.set(cells[0], m);
  }
  if (run.size === 0) throw new InvalidInputError(`${path} has no entries`);
  if (duplicates > 0) {
    warn?.({
      code: "run-duplicate-doc",
      count: duplicates,
      message: `${path}: ${duplicates} duplicate (query, docid) line(s); the first of each is kept`,
    });
  }
  return run;
}

export async function loadBeir(dir: string, split = "test"): Promise<BeirDataset> {
  const corpusPath = join(dir, "corpus.jsonl");
  const queriesPath = join(dir, "queries.jsonl");
  const qrelsPath = join(dir, "qrels", `${split}.tsv`);
  const warnings: EvalWarning[] = [];
  const corpus = new Map<string, { title: string; text: string }>();
  let duplicateDocs = 0;
  for (const { id, row, line } of jsonLines(await readText(corpusPath), corpusPath)) {
    if (corpus.has(id)) {
      duplicateDocs++;
      continue;
    }
    corpus.set(id, {
      title: textField(row, "title", corpusPath, line),
      text: textField(row, "text", corpusPath, line),
    });
  }
  if (corpus.size === 0) throw new InvalidInputError(`${corpusPath} has no documents`);
  if (duplicateDocs > 0) {
    warnings.push({
      code: "corpus-duplicate-id",
      count: duplicateDocs,
      message: `${corpusPath}: ${duplicateDocs} document(s) repeat an earlier _id; the first of each is kept`,
    });
  }
  const queries = new Map<string, string>();
  for (const { id, row, line } of jsonLines(await readText(queriesPath), queriesPath)) {
    if (!queries.has(id)) queries.set(id, textField(row, "text", queriesPath, line));
  }
  const qrels = parseQrels(await readText(qrelsPath), qrelsPath);
  if (qrels.size === 0) throw new InvalidInputError(`${qrelsPath} has no judgements`);
  const judged = [...qrels].filter(([, rels]) => [...rels.values()].some((r) => r > 0)).map(([q]) => q);
  const withoutText = judged.filter((q) => !queries.has(q)).length;
  if (withoutText === judged.length) {
    throw new InvalidInputError(`no judged query of ${qrelsPath} is in ${queriesPath}`);
  }
  if (withoutText > 0) {
    warnings.push({
      code: "qrels-query-without-text",
      count: withoutText,
      message: `${qrelsPath}: ${withoutText} judged query(ies) are not in ${queriesPath} and are left out; means are over ${judged.length - withoutText} queries`,
    });
  }
  return { corpus, queries, qrels, warnings };
}

/** A BEIR document as ranked text: title and body, as BEIR's rerankers concatenate them. */
export function documentText(doc: { title: string; text: string }): string {
  return doc.title ? `${doc.title} ${doc.text}` : doc.text;
}
