/**
 * The special-token layout of a `tokenizer.json` post-processor, as the Rust `tokenizers` library builds it.
 *
 * Built from token ids rather than text so that empty sequences keep their separators (the JS library drops an
 * empty pair) and so that truncation can run before the specials are added.
 */

export interface Segment {
  ids: number[];
  typeIds: number[];
}

export type Layout = (encodings: Segment[]) => Segment[];

// biome-ignore lint/suspicious/noExplicitAny: tokenizer.json is free-form JSON
type Json = any;

export class PostProcessorError extends Error {}

/** A function mapping the encoded sequences [A] or [A, B] to their post-processed form. */
export function buildLayout(config: Json, tokenToId: (token: string) => number | undefined): Layout {
  if (config === null || config === undefined) return defaultProcess;
  const idOf = (pair: unknown, what: string): number => {
    if (Array.isArray(pair) && typeof pair[1] === "number") return pair[1];
    if (Array.isArray(pair) && typeof pair[0] === "string") {
      const id = tokenToId(pair[0]);
      if (id !== undefined) return id;
    }
    throw new PostProcessorError(`post_processor ${config.type}: cannot read the ${what} token`);
  };
  switch (config.type) {
    case "BertProcessing": {
      const cls = idOf(config.cls, "cls");
      const sep = idOf(config.sep, "sep");
      return (encs) => {
        const [a, b] = encs;
        const out: Segment = { ids: [cls, ...a.ids, sep], typeIds: [0, ...a.typeIds.map(() => 0), 0] };
        if (b) {
          out.ids.push(...b.ids, sep);
          out.typeIds.push(...b.typeIds.map(() => 1), 1);
        }
        return [out];
      };
    }
    case "RobertaProcessing": {
      const cls = idOf(config.cls, "cls");
      const sep = idOf(config.sep, "sep");
      // RoBERTa gives every token type id 0.
      return (encs) => {
        const [a, b] = encs;
        const ids = [cls, ...a.ids, sep];
        if (b) ids.push(sep, ...b.ids, sep);
        return [{ ids, typeIds: ids.map(() => 0) }];
      };
    }
    case "TemplateProcessing":
      return templateLayout(config, tokenToId);
    case "ByteLevel":
      return defaultProcess;
    case "Sequence": {
      const steps = ((config.processors ?? []) as Json[]).map((p) => buildLayout(p, tokenToId));
      return (encs) => steps.reduce((acc, step) => step(acc), encs);
    }
    default:
      throw new PostProcessorError(`unsupported post_processor type "${config.type}"`);
  }
}

/** No specials; the pair's tokens have type id 1 (Rust encodes the second sequence with type id 1). */
const defaultProcess: Layout = (encs) => encs;

function templateLayout(config: Json, tokenToId: (token: string) => number | undefined): Layout {
  const specials = new Map<string, number[]>();
  for (const [name, entry] of Object.entries((config.special_tokens ?? {}) as Record<string, Json>)) {
    let ids: number[] | undefined = Array.isArray(entry?.ids) ? entry.ids : undefined;
    if (!ids && Array.isArray(entry?.tokens)) {
      ids = (entry.tokens as string[]).map((t) => {
        const id = tokenToId(t);
        if (id === undefined)
          throw new PostProcessorError(`TemplateProcessing: unknown special token "${t}"`);
        return id;
      });
    }
    if (!ids) throw new PostProcessorError(`TemplateProcessing: special token "${name}" has no ids`);
    specials.set(entry?.id ?? name, ids);
  }
  const parse = (template: Json): Json[] =>
    Array.isArray(template) ? template : parseTemplateString(template);
  const single = parse(config.single);
  // Without a pair template, the second sequence follows the single layout with type id 1.
  const pair =
    config.pair === undefined || config.pair === null
      ? [...single, { Sequence: { id: "B", type_id: 1 } }]
      : parse(config.pair);
  return (encs) => {
    const [a, b] = encs;
    const template = b ? pair : single;
    const out: Segment = { ids: [], typeIds: [] };
    for (const piece of template) {
      if (piece.Sequence) {
        const seq = piece.Sequence.id === "B" ? b : a;
        if (!seq) continue;
        out.ids.push(...seq.ids);
        for (let i = 0; i < seq.ids.length; i++) out.typeIds.push(piece.Sequence.type_id ?? 0);
      } else if (piece.SpecialToken) {
        const ids = specials.get(piece.SpecialToken.id);
        if (!ids)
          throw new PostProcessorError(
            `TemplateProcessing: special token "${piece.SpecialToken.id}" missing`,
          );
        out.ids.push(...ids);
        for (let i = 0; i < ids.length; i++) out.typeIds.push(piece.SpecialToken.type_id ?? 0);
      }
    }
    return [out];
  };
}

/** The string form of a template ("[CLS] $A [SEP] $B:1 [SEP]:1"), as accepted by Rust. */
function parseTemplateString(template: unknown): Json[] {
  const text = Array.isArray(template) ? template.join(" ") : String(template ?? "");
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => {
      const m = /^(.*?)(?::(\d+))?$/.exec(part)!;
      const name = m[1];
      const typeId = m[2] === undefined ? 0 : Number(m[2]);
      if (name === "$" || name === "$A" || name === "$a") return { Sequence: { id: "A", type_id: typeId } };
      if (name === "$B" || name === "$b") return { Sequence: { id: "B", type_id: typeId } };
      if (/^\$\d+$/.test(name)) return { Sequence: { id: "A", type_id: Number(name.slice(1)) } };
      return { SpecialToken: { id: name, type_id: typeId } };
    });
}
