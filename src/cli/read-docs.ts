import { readFile } from "node:fs/promises";
import type { DocumentInput } from "../core/documents.js";
import { InvalidInputError } from "../core/errors.js";

/** Read all of stdin as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function checkItem(item: unknown, where: string): DocumentInput {
  if (typeof item === "string") return item;
  if (typeof item === "object" && item !== null && !Array.isArray(item)) return item as DocumentInput;
  throw new InvalidInputError(`${where}: each document must be a string or an object with a "text" field`);
}

function parseJsonArray(text: string, source: string): DocumentInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new InvalidInputError(`${source}: expected a JSON array of documents`);
  return parsed.map((item, i) => checkItem(item, `${source}[${i}]`));
}

function parseJsonLines(text: string, source: string): DocumentInput[] {
  const docs: DocumentInput[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new InvalidInputError(
        `${source} line ${i + 1}: not valid JSON (use .txt for one plain document per line)`,
      );
    }
    docs.push(checkItem(parsed, `${source} line ${i + 1}`));
  });
  return docs;
}

function parseTextLines(text: string): DocumentInput[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== "");
}

/** Lines that all parse as JSON strings or objects mean JSONL; otherwise plain text, one document per line. */
function looksLikeJsonLines(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return false;
  return lines.every((l) => {
    try {
      const v = JSON.parse(l);
      return typeof v === "string" || (typeof v === "object" && v !== null && !Array.isArray(v));
    } catch {
      return false;
    }
  });
}

/**
 * Documents from a file or stdin (`-` or no path). By extension: `.txt` one document per line, `.json` a JSON array,
 * `.jsonl`/`.ndjson` one JSON string or `{"text","docId"?,"metadata"?}` per line. Stdin is sniffed the same way.
 */
export async function readDocuments(path: string | undefined): Promise<DocumentInput[]> {
  const fromStdin = path === undefined || path === "-";
  const source = fromStdin ? "stdin" : path;
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
  const lower = source.toLowerCase();
  if (lower.endsWith(".txt")) return parseTextLines(text);
  if (lower.endsWith(".json")) return parseJsonArray(text, source);
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return parseJsonLines(text, source);
  if (text.trimStart().startsWith("[")) return parseJsonArray(text, source);
  return looksLikeJsonLines(text) ? parseJsonLines(text, source) : parseTextLines(text);
}
