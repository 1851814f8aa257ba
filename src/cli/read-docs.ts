import { readFile } from "node:fs/promises";
import type { DocId, DocumentInput, Metadata } from "../core/documents.js";
import { InvalidInputError } from "../core/errors.js";

export const DOCS_FORMATS = ["jsonl", "json", "txt"] as const;
export type DocsFormat = (typeof DOCS_FORMATS)[number];

/** Read all of stdin as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Field names accepted as the document id (BEIR corpora use `_id`). */
const ID_FIELDS = ["docId", "id", "_id", "doc_id"] as const;

/**
 * One document from a parsed JSON value: a string, or an object with a string `text`. The first of
 * `docId`/`id`/`_id`/`doc_id` is the id; every other field (e.g. `title`) is kept as metadata.
 */
function toDocument(item: unknown, where: string, hint: string): DocumentInput {
  if (typeof item === "string") return item;
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    const got = item === null ? "null" : Array.isArray(item) ? "an array" : typeof item;
    throw new InvalidInputError(
      `${where}: each document must be a string or an object with a "text" field, got ${got}${hint}`,
    );
  }
  const { text, metadata, ...rest } = item as Record<string, unknown>;
  if (typeof text !== "string") throw new InvalidInputError(`${where}: "text" must be a string`);
  let docId: DocId | undefined;
  for (const field of ID_FIELDS) {
    const v = rest[field];
    if (v === undefined || v === null) continue;
    if (docId === undefined) {
      if (typeof v !== "string" && typeof v !== "number")
        throw new InvalidInputError(`${where}: "${field}" must be a string or a number`);
      docId = v;
      delete rest[field];
    }
  }
  if (
    metadata !== undefined &&
    (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
  )
    throw new InvalidInputError(`${where}: "metadata" must be an object`);
  const meta: Metadata = { ...rest, ...((metadata as Metadata | undefined) ?? {}) };
  const doc: { text: string; docId?: DocId; metadata?: Metadata } = { text };
  if (docId !== undefined) doc.docId = docId;
  if (Object.keys(meta).length > 0) doc.metadata = meta;
  return doc;
}

function parseJsonArray(text: string, source: string): DocumentInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed))
    throw new InvalidInputError(`${source}: expected a JSON array of documents (--docs-format json)`);
  return parsed.map((item, i) => toDocument(item, `${source}[${i}]`, ""));
}

function parseJsonLines(text: string, source: string): DocumentInput[] {
  const docs: DocumentInput[] = [];
  const hint = " (a JSON array needs --docs-format json, plain text --docs-format txt)";
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new InvalidInputError(
        `${source} line ${i + 1}: not valid JSON; JSONL needs one JSON string or object per line${hint}`,
      );
    }
    docs.push(toDocument(parsed, `${source} line ${i + 1}`, hint));
  });
  return docs;
}

function parseTextLines(text: string): DocumentInput[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== "");
}

/** `--docs-format`, else the file extension, else JSONL (stdin included): the input is never sniffed. */
export function docsFormat(path: string | undefined, explicit: string | undefined): DocsFormat {
  if (explicit !== undefined) {
    const f = explicit.toLowerCase();
    if ((DOCS_FORMATS as readonly string[]).includes(f)) return f as DocsFormat;
    if (f === "ndjson") return "jsonl";
    throw new InvalidInputError(
      `--docs-format must be one of ${DOCS_FORMATS.join(", ")}, got ${JSON.stringify(explicit)}`,
    );
  }
  const lower = (path ?? "").toLowerCase();
  if (lower.endsWith(".txt")) return "txt";
  if (lower.endsWith(".json")) return "json";
  return "jsonl";
}

/** True when stdin is the source and it is an interactive terminal (nothing piped in). */
export function stdinIsTerminal(path: string | undefined): boolean {
  return (path === undefined || path === "-") && process.stdin.isTTY === true;
}

/**
 * Documents from a file or stdin (`-` or no path). The format is `format`, else by extension (`.txt` one document
 * per line, `.json` a JSON array, anything else JSONL: one JSON string or `{"text", "docId"|"id"|"_id"|"doc_id"?,
 * "metadata"?, …}` per line, other fields kept as metadata). A UTF-8 byte order mark is ignored.
 */
export async function readDocuments(path: string | undefined, format?: string): Promise<DocumentInput[]> {
  const fromStdin = path === undefined || path === "-";
  const source = fromStdin ? "stdin" : path;
  const kind = docsFormat(fromStdin ? undefined : path, format);
  let text: string;
  if (fromStdin) {
    text = await readStdin();
  } else {
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      throw new InvalidInputError(
        `cannot read --docs ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (kind === "txt") return parseTextLines(text);
  if (kind === "json") return parseJsonArray(text, source);
  return parseJsonLines(text, source);
}
