import { InvalidInputError, UnknownModelError } from "./errors.js";
import { FAMILY_DEFAULTS } from "./families.js";
import { canonicalType, detectType, getFamily, knownTypes, typeAliases } from "./registry.js";
import { closest } from "./suggest.js";

export interface ResolveOptions {
  /** An explicit model type always wins over detection. */
  modelType?: string;
  /** Picks the family default for this language (`other` when the family has none). */
  lang?: string;
}

export interface ResolvedModel {
  modelType: string;
  model: string;
  /** Hosted provider name, or null for local methods. */
  provider: string | null;
}

function familyDefault(family: string, lang: string): string {
  const entry = FAMILY_DEFAULTS[family];
  const model = entry.defaults[lang] ?? entry.defaults.other;
  if (model === undefined) {
    const langs = Object.keys(entry.defaults).join(", ");
    throw new InvalidInputError(
      `model family "${family}" has no default for language "${lang}" (it has: ${langs}); pass a model name`,
    );
  }
  return model;
}

/** rank_llm's shorthands for the castorini checkpoints: resolving shows the checkpoint actually used. */
export const RANKLLM_SHORTHANDS: Readonly<Record<string, string>> = {
  rank_zephyr: "castorini/rank_zephyr_7b_v1_full",
  rank_vicuna: "castorini/rank_vicuna_7b_v1",
};

function withType(modelType: string, model: string): ResolvedModel {
  const def = getFamily(modelType);
  if (!def) throw new UnknownModelError(`unknown model type "${modelType}"`, knownTypes());
  const expanded = def.type === "rankllm" ? (RANKLLM_SHORTHANDS[model.toLowerCase()] ?? model) : model;
  return { modelType: def.type, model: expanded, provider: def.hosted ? def.type : null };
}

/**
 * Resolve a model name to `{ modelType, model, provider }` without loading anything.
 *
 * Order: `provider:model` → a family name (its default for `lang`) → an explicit `modelType` →
 * detection from the name → cross-encoder. A family keeps its own type (Python re-detected the default name).
 */
export function resolveModel(name: string, options: ResolveOptions = {}): ResolvedModel {
  if (typeof name !== "string" || name.trim() === "")
    throw new InvalidInputError("model name must be a non-empty string");
  const lang = (options.lang ?? "en").toLowerCase();
  const explicit = options.modelType === undefined ? undefined : canonicalType(options.modelType);
  if (options.modelType !== undefined && explicit === undefined) {
    const guess = closest(String(options.modelType), [...knownTypes(), ...typeAliases()]);
    const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
    throw new UnknownModelError(`unknown model type "${options.modelType}"${hint}`, knownTypes());
  }
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();

  // `cohere:rerank-v3.5`, `tei:BAAI/bge-reranker-base`
  const colon = trimmed.indexOf(":");
  if (colon > 0) {
    const prefixType = canonicalType(trimmed.slice(0, colon));
    if (prefixType !== undefined && getFamily(prefixType)?.hosted) {
      const rest = trimmed.slice(colon + 1).trim();
      const model = rest === "" ? familyDefault(prefixType, lang) : rest;
      return withType(explicit ?? prefixType, model);
    }
  }

  // A family name: its default for this language, keeping the family's own type.
  const family = FAMILY_DEFAULTS[lower] ?? FAMILY_DEFAULTS[canonicalType(lower) ?? ""];
  if (family !== undefined) {
    const key = FAMILY_DEFAULTS[lower] ? lower : (canonicalType(lower) as string);
    return withType(explicit ?? family.type, familyDefault(key, lang));
  }

  if (explicit !== undefined) return withType(explicit, trimmed);
  return withType(detectType(lower) ?? "cross-encoder", trimmed);
}
