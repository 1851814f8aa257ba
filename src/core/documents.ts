import { InvalidInputError } from "./errors.js";

export type DocId = string | number;
export type Metadata = Record<string, unknown>;

/** A document to rank. `docId` is always set once normalised (auto ids are the input index). */
export class Document {
  readonly text: string;
  readonly docId: DocId;
  readonly metadata: Metadata;
  /** Reserved for image documents (MonoVLM); always "text" today. */
  readonly documentType: "text" = "text";

  constructor(text: string, docId: DocId, metadata: Metadata = {}) {
    this.text = text;
    this.docId = docId;
    this.metadata = metadata;
  }

  toJSON(): DocumentJSON {
    return { text: this.text, docId: this.docId, metadata: this.metadata };
  }
}

export interface DocumentJSON {
  text: string;
  docId: DocId;
  metadata: Metadata;
}

/** What callers may pass as one document. */
export type DocumentInput = string | Document | { text: string; docId?: DocId; metadata?: Metadata };

export interface NormaliseOptions {
  /** Parallel ids, one per document. */
  docIds?: readonly DocId[];
  /** Parallel metadata objects, one per document. */
  metadata?: readonly (Metadata | undefined)[];
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "array";
  return typeof x;
}

function checkDocId(id: unknown, where: string): DocId {
  if (typeof id === "string") return id;
  if (typeof id === "number" && Number.isFinite(id)) return id;
  throw new InvalidInputError(`${where} must be a string or a finite number, got ${describe(id)}`);
}

/** Validate the query: a non-empty string. */
export function normaliseQuery(query: unknown): string {
  if (typeof query !== "string")
    throw new InvalidInputError(`query must be a string, got ${describe(query)}`);
  if (query.trim() === "") throw new InvalidInputError("query must not be empty");
  return query;
}

/**
 * Turn any accepted input into fresh `Document`s (the caller's objects are never mutated).
 * Raises `InvalidInputError` for length mismatches, duplicate ids, non-string text, conflicting ids.
 */
export function normaliseDocuments(docs: unknown, options: NormaliseOptions = {}): Document[] {
  const list: unknown[] = typeof docs === "string" || docs instanceof Document ? [docs] : (docs as unknown[]);
  if (!Array.isArray(list)) {
    throw new InvalidInputError(
      `documents must be an array of strings or {text} objects, got ${describe(docs)}`,
    );
  }
  const { docIds, metadata } = options;
  if (docIds !== undefined) {
    if (!Array.isArray(docIds)) throw new InvalidInputError("docIds must be an array");
    if (docIds.length !== list.length) {
      throw new InvalidInputError(
        `docIds has ${docIds.length} entries but there are ${list.length} documents`,
      );
    }
  }
  if (metadata !== undefined) {
    if (!Array.isArray(metadata)) throw new InvalidInputError("metadata must be an array");
    if (metadata.length !== list.length) {
      throw new InvalidInputError(
        `metadata has ${metadata.length} entries but there are ${list.length} documents`,
      );
    }
  }

  const seen = new Map<DocId, number>();
  return list.map((item, i) => {
    let text: unknown;
    let ownId: unknown;
    let ownMeta: unknown;
    if (typeof item === "string") {
      text = item;
    } else if (isPlainObject(item) || item instanceof Document) {
      const obj = item as Record<string, unknown>;
      text = obj.text;
      ownId = obj.docId;
      ownMeta = obj.metadata;
    } else {
      throw new InvalidInputError(
        `documents[${i}] must be a string or an object with a text field, got ${describe(item)}`,
      );
    }
    if (typeof text !== "string") {
      throw new InvalidInputError(`documents[${i}].text must be a string, got ${describe(text)}`);
    }

    const parallelId = docIds?.[i];
    if (ownId !== undefined && ownId !== null && parallelId !== undefined && ownId !== parallelId) {
      throw new InvalidInputError(
        `documents[${i}] has docId ${JSON.stringify(ownId)} but docIds[${i}] is ${JSON.stringify(parallelId)}`,
      );
    }
    const rawId = parallelId ?? (ownId === null ? undefined : ownId) ?? i;
    const docId = checkDocId(rawId, parallelId !== undefined ? `docIds[${i}]` : `documents[${i}].docId`);
    const first = seen.get(docId);
    if (first !== undefined) {
      throw new InvalidInputError(
        `duplicate docId ${JSON.stringify(docId)} at documents[${first}] and documents[${i}]`,
      );
    }
    seen.set(docId, i);

    const parallelMeta = metadata?.[i];
    if (parallelMeta !== undefined && parallelMeta !== null && !isPlainObject(parallelMeta)) {
      throw new InvalidInputError(`metadata[${i}] must be an object, got ${describe(parallelMeta)}`);
    }
    if (ownMeta !== undefined && ownMeta !== null && !isPlainObject(ownMeta)) {
      throw new InvalidInputError(`documents[${i}].metadata must be an object, got ${describe(ownMeta)}`);
    }
    const meta = { ...((ownMeta as Metadata | undefined) ?? {}), ...(parallelMeta ?? {}) };
    return new Document(text, docId, meta);
  });
}
