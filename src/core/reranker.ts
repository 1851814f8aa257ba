import type {
  AnyBackendOptions,
  BackendOptionsFor,
  FamilyName,
  HostedType,
  ModelType,
} from "./option-specs.js";
import type { Ranker } from "./ranker.js";
import { checkOptionNames, loadFactory } from "./registry.js";
import { resolveModel } from "./resolve.js";

type Shared = {
  /** Picks the family default for this language (`other` when the family has none). */
  lang?: string;
};

/**
 * Options of `Reranker()` when the model type is only known at run time: `modelType`, `lang` and any backend
 * option of any built-in family. The chosen family's own list is checked when `Reranker()` runs.
 */
export type RerankerOptions = Shared & { modelType?: ModelType } & AnyBackendOptions;

/** Options when the model type is known: `modelType` and `lang` plus that family's backend options. */
export type RerankerOptionsFor<T extends ModelType> = Shared & { modelType?: T } & BackendOptionsFor<T>;

/** Names that do not fix the family (so any family's options may apply). */
type NotAFamilyName<N extends string> = N extends FamilyName | `${HostedType}:${string}` ? never : unknown;

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * The last overload is for a model type only known at run time (a `ModelType` variable, a config file): a
 * literal model type must go through the first overload, which types the options for that family.
 */
type RunTimeModelType<O> = "modelType" extends keyof O
  ? undefined extends O["modelType" & keyof O]
    ? unknown
    : true extends IsUnion<O["modelType" & keyof O]>
      ? unknown
      : never
  : never;

/**
 * The one-call factory: `await Reranker("cross-encoder/ms-marco-MiniLM-L-6-v2")`,
 * `await Reranker("cohere:rerank-v3.5")`, `await Reranker("colbert", { lang: "ja" })`.
 *
 * Options are typed per family when the family is known from `modelType`, a family name or a `provider:` prefix,
 * and an option name the family does not read is an `InvalidInputError` ("did you mean …") before anything loads.
 */
export function Reranker<T extends ModelType>(
  name: string,
  options: Shared & { modelType: T } & BackendOptionsFor<T>,
): Promise<Ranker>;
export function Reranker<H extends HostedType>(
  name: `${H}:${string}`,
  options?: Shared & { modelType?: undefined } & BackendOptionsFor<H>,
): Promise<Ranker>;
export function Reranker<F extends FamilyName>(
  name: F,
  options?: Shared & { modelType?: undefined } & BackendOptionsFor<F>,
): Promise<Ranker>;
export function Reranker<N extends string>(
  name: N & NotAFamilyName<N>,
  options?: Shared & { modelType?: undefined } & AnyBackendOptions,
): Promise<Ranker>;
export function Reranker<O extends RerankerOptions>(
  name: string,
  options: O & RunTimeModelType<O>,
): Promise<Ranker>;
export async function Reranker(
  name: string,
  options: Readonly<Record<string, unknown>> = {},
): Promise<Ranker> {
  const { modelType, lang, ...backendOptions } = options;
  const resolved = resolveModel(name, {
    modelType: modelType as string | undefined,
    lang: lang as string | undefined,
  });
  checkOptionNames(resolved.modelType, backendOptions);
  const factory = await loadFactory(resolved.modelType);
  return factory({ ...backendOptions, ...resolved, lang: String(lang ?? "en").toLowerCase() });
}
