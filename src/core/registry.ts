import {
  InvalidInputError,
  MissingDependencyError,
  NotImplementedError,
  UnknownModelError,
} from "./errors.js";
import { builtInSpec, type FamilyKind } from "./option-specs.js";
import type { Ranker } from "./ranker.js";
import { closest } from "./suggest.js";

/** Options every factory receives: the resolved identity plus the caller's backend options. */
export interface FactoryOptions {
  modelType: string;
  model: string;
  provider: string | null;
  lang: string;
  [option: string]: unknown;
}

export type RankerFactory = (options: FactoryOptions) => Promise<Ranker>;

/** A method module exports `create`; the registry imports it only when that type is first used. */
export interface MethodModule {
  create: RankerFactory;
}

export interface FamilyDefinition {
  /** Canonical model type, e.g. "cross-encoder" or "cohere". */
  type: string;
  /** Other spellings accepted as a model type (e.g. "tei"). */
  aliases?: readonly string[];
  /** Hosted API provider (model names may be written `provider:model`). */
  hosted?: boolean;
  /** Lazily import the implementation. Absent means the type is known but not available here. */
  load?: () => Promise<RankerFactory>;
  /** Why it is not available, and what to use instead. */
  unavailableReason?: string;
  /** Auto-detection from a lower-cased model name; checked in registration order. */
  detect?: (lowerName: string) => boolean;
  /** Backend option names the factory reads; when given, `Reranker()` rejects any other name. */
  options?: readonly string[];
}

const families = new Map<string, FamilyDefinition>();
const aliases = new Map<string, string>();

/** Register (or replace) a family. Used by the built-ins and by `registerRanker`. */
export function defineFamily(def: FamilyDefinition): void {
  families.set(def.type, def);
  aliases.set(def.type, def.type);
  for (const a of def.aliases ?? []) aliases.set(a, def.type);
}

/** Canonical type for a type name or alias, or undefined. Case-insensitive. */
export function canonicalType(name: string): string | undefined {
  return aliases.get(name) ?? aliases.get(name.toLowerCase());
}

export function getFamily(type: string): FamilyDefinition | undefined {
  const t = canonicalType(type);
  return t === undefined ? undefined : families.get(t);
}

export function knownTypes(): string[] {
  return [...families.keys()];
}

/** Every alias spelling (e.g. "tei"), for suggestions. */
export function typeAliases(): string[] {
  return [...aliases.keys()].filter((a) => !families.has(a));
}

export function allFamilies(): FamilyDefinition[] {
  return [...families.values()];
}

/** The first family (in registration order, user families first) whose detector matches. */
export function detectType(lowerName: string): string | undefined {
  const defs = [...families.values()];
  const user = defs.filter((d) => userTypes.has(d.type));
  const builtIn = defs.filter((d) => !userTypes.has(d.type));
  for (const d of [...user, ...builtIn]) if (d.detect?.(lowerName)) return d.type;
  return undefined;
}

const userTypes = new Set<string>();

/**
 * Add your own method. `factory` builds a Ranker; `detect` lets `Reranker(name)` pick it from the name.
 * Registering an existing type replaces it.
 */
export function registerRanker(
  type: string,
  factory: RankerFactory,
  options: {
    detect?: (name: string) => boolean;
    aliases?: readonly string[];
    /** The option names your factory reads: `Reranker()` then rejects others (with a "did you mean"). */
    options?: readonly string[];
  } = {},
): void {
  if (typeof type !== "string" || type.trim() === "")
    throw new UnknownModelError("registerRanker needs a type name", knownTypes());
  userTypes.add(type);
  const detect = options.detect;
  defineFamily({
    type,
    aliases: options.aliases,
    load: async () => factory,
    detect: detect ? (n) => detect(n) : undefined,
    options: options.options,
  });
}

/** How a built-in family runs (local, hosted, llm, unavailable); undefined for your own families. */
export function familyKind(type: string): FamilyKind | undefined {
  const def = getFamily(type);
  if (!def || userTypes.has(def.type)) return undefined;
  return builtInSpec(def.type)?.kind;
}

/** The option names a family reads, or undefined when it did not declare them (then nothing is checked). */
export function familyOptionNames(type: string): readonly string[] | undefined {
  const def = getFamily(type);
  if (!def) return undefined;
  if (def.options !== undefined || userTypes.has(def.type)) return def.options;
  const spec = builtInSpec(def.type);
  return spec ? Object.keys(spec.options) : undefined;
}

/**
 * Reject backend option names the family does not read (a typo would otherwise be silently ignored).
 * Options whose value is undefined are skipped, so optional fields can be spread in.
 */
export function checkOptionNames(type: string, options: Readonly<Record<string, unknown>>): void {
  const known = familyOptionNames(type);
  if (known === undefined) return;
  const family = getFamily(type)?.type ?? type;
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || known.includes(name)) continue;
    const guess = closest(name, known);
    const hint =
      guess !== undefined
        ? ` (did you mean "${guess}"?)`
        : known.length > 0
          ? `; ${family} options: ${known.join(", ")}`
          : `; ${family} takes no options`;
    throw new InvalidInputError(`unknown option "${name}" for ${family}${hint}`);
  }
}

/** Optional peer packages that cannot be resolved from here. */
function missingPackages(names: readonly string[]): string[] {
  if (typeof import.meta.resolve !== "function") return [];
  return names.filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** One error naming every missing optional package a built-in family needs, before anything is imported. */
function checkPeers(type: string): void {
  if (userTypes.has(type)) return;
  const spec = builtInSpec(type);
  const missing = missingPackages(spec?.requires ?? []);
  if (missing.length === 0) return;
  const purpose = spec?.kind === "local" ? `${type} (local ONNX inference)` : type;
  throw new MissingDependencyError(missing[0], purpose, { extraPackages: missing.slice(1) });
}

/** Load the factory for a type, with a typed error when the type is unknown or not available. */
export async function loadFactory(type: string): Promise<RankerFactory> {
  const def = getFamily(type);
  if (!def) throw new UnknownModelError(`unknown model type "${type}"`, knownTypes());
  if (!def.load) {
    throw new NotImplementedError(
      def.type,
      def.unavailableReason ?? `model type "${def.type}" is not implemented yet`,
    );
  }
  checkPeers(def.type);
  return def.load();
}
