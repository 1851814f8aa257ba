/**
 * The backend options each built-in family reads, declared once. `Reranker()` checks option names against this
 * table before loading anything (unknown names are an error with a "did you mean"), and its TypeScript
 * signature derives the per-family option types from it. Value checks stay in each method's readers
 * (src/core/options.ts), which also accept the CLI's strings.
 *
 * To add an option: add `name: "<type>"` to the group or family that reads it.
 */

/** How an option is typed in the library API. An array lists the accepted string values. */
export type OptionType =
  | "string"
  | "number"
  | "boolean"
  | "function"
  | "object"
  | "strings"
  | "token"
  | "dtype"
  | readonly string[];

export type OptionSpec = Readonly<Record<string, OptionType>>;

/** ONNX weight variants (`parseDtype` in src/engine/model-files.ts also accepts these aliases). */
export type DtypeName =
  | "auto"
  | "fp32"
  | "fp16"
  | "q8"
  | "int8"
  | "uint8"
  | "q4"
  | "q4f16"
  | "bnb4"
  | "float32"
  | "float16"
  | "quantized";

/** What a download reports as bytes arrive (the shape of src/engine/hub-config.ts `DownloadProgress`). */
export interface DownloadProgressEvent {
  file: string;
  loaded: number;
  total: number | undefined;
}

/** Hugging Face Hub download settings (every local family). */
const HUB = {
  revision: "string",
  cacheDir: "string",
  offline: "boolean",
  token: "string",
  hfToken: "string",
  endpoint: "string",
  onDownloadProgress: "function",
  timeoutMs: "number",
} as const;

/** Local ONNX inference. */
const ONNX = {
  dtype: "dtype",
  onnxFile: "string",
  threads: "number",
  worker: "boolean",
  workers: "number",
  batchSize: "number",
  tokenBudget: "number",
} as const;

/** The Python snake_case spellings the causal-LM families also accept. */
const CAUSAL_SNAKE = {
  batch_size: "number",
  cache_dir: "string",
  onnx_file: "string",
  token_budget: "number",
  token_true: "token",
  token_false: "token",
  max_length: "number",
  hubToken: "string",
} as const;

/** Any OpenAI-compatible chat endpoint (src/llm/config.ts). */
const LLM = {
  baseUrl: "string",
  apiKey: "string",
  temperature: "number",
  maxConcurrency: "number",
  timeoutMs: "number",
  maxRetries: "number",
  maxTokens: "number",
  chat: "function",
} as const;

const LISTWISE = {
  windowSize: "number",
  step: "number",
  stride: "number",
  rankEnd: "number",
  rankScores: "boolean",
} as const;

/** Every hosted reranking API (src/providers/hosted.ts). */
const HOSTED = {
  apiKey: "string",
  baseUrl: "string",
  timeoutMs: "number",
  maxRetries: "number",
  retryBaseDelayMs: "number",
  retryMaxDelayMs: "number",
  maxRetryAfterMs: "number",
  maxDocumentsPerCall: "number",
  maxTokensPerCall: "number",
  maxConcurrency: "number",
  headers: "object",
  onRetry: "function",
} as const;

const COLBERT_SHARED = {
  maxLength: "number",
  projection: ["auto", "apply", "skip"],
  cacheBytes: "number",
} as const;

/** How a family runs: on this machine, through a hosted reranking API, or through an LLM chat endpoint. */
export type FamilyKind = "local" | "hosted" | "llm" | "unavailable";

export interface FamilySpec {
  kind: FamilyKind;
  options: OptionSpec;
  /** Optional peer packages it needs, checked together before loading so one error names them all. */
  requires?: readonly string[];
  /** LLM families: the endpoint used when neither `baseUrl` nor `OPENAI_BASE_URL` is set. */
  endpoint?: string;
}

const LOCAL_PEERS = ["onnxruntime-node", "@huggingface/tokenizers"] as const;
const local = <const O extends OptionSpec>(options: O) =>
  ({ kind: "local", options, requires: LOCAL_PEERS }) as const;
const hosted = <const O extends OptionSpec>(options: O) => ({ kind: "hosted", options }) as const;
const OPENAI = "https://api.openai.com/v1";

/** Built-in families by canonical model type. */
export const FAMILY_SPECS = {
  "cross-encoder": local({
    ...HUB,
    ...ONNX,
    maxLength: "number",
    sigmoid: "boolean",
    normalize: "boolean",
  }),
  flashrank: local({
    ...HUB,
    ...ONNX,
    baseUrl: "string",
    maxLength: "number",
    zipMaxTotalBytes: "number",
    zipMaxEntryBytes: "number",
    zipMaxEntries: "number",
    zipMaxRatio: "number",
  }),
  t5: local({
    ...HUB,
    ...ONNX,
    template: "string",
    maxLength: "number",
    returnLogits: "boolean",
    tokenTrue: "token",
    tokenFalse: "token",
  }),
  upr: local({
    ...HUB,
    ...ONNX,
    verbalizerHead: "string",
    verbalizer: "string",
    maxInputLength: "number",
    maxLength: "number",
    maxQueryLength: "number",
  }),
  colbert: local({
    ...HUB,
    ...ONNX,
    ...COLBERT_SHARED,
    scoreMode: ["python", "mean-attended"],
    queryToken: "string",
    documentToken: "string",
    docMaxLength: "number",
    queryMaxLength: "number",
  }),
  pylate: local({
    ...HUB,
    ...ONNX,
    ...COLBERT_SHARED,
    queryPrefix: "string",
    documentPrefix: "string",
    queryLength: "number",
    documentLength: "number",
    doQueryExpansion: "boolean",
    attendToExpansionTokens: "boolean",
    skiplistWords: "strings",
  }),
  mxbaiv2: local({
    ...HUB,
    ...ONNX,
    ...CAUSAL_SNAKE,
    instruction: "string",
    maxLength: "number",
    tokenTrue: "token",
    tokenFalse: "token",
  }),
  qwen3: local({
    ...HUB,
    ...ONNX,
    ...CAUSAL_SNAKE,
    instruction: "string",
    maxLength: "number",
    tokenTrue: "token",
    tokenFalse: "token",
  }),
  rankgpt: { kind: "llm", endpoint: OPENAI, options: { ...LLM, ...LISTWISE, passageBudget: "number" } },
  rankllm: {
    kind: "llm",
    endpoint: "http://localhost:8000/v1",
    options: { ...LLM, ...LISTWISE, maxWords: "number", variablePassages: "boolean" },
  },
  "llm-relevance-filter": {
    kind: "llm",
    endpoint: OPENAI,
    options: { ...LLM, maxDocumentsPerCall: "number", logprobs: "boolean", promptTemplate: "string" },
  },
  "llm-layerwise": { kind: "unavailable", options: {} },
  monovlm: { kind: "unavailable", options: {} },
  cohere: hosted({
    ...HOSTED,
    apiVersion: ["v1", "v2"],
    maxTokensPerDoc: "number",
    maxChunksPerDoc: "number",
  }),
  jina: hosted(HOSTED),
  voyage: hosted({ ...HOSTED, truncation: "boolean" }),
  "mixedbread.ai": hosted(HOSTED),
  pinecone: hosted({ ...HOSTED, apiVersion: "string", truncate: ["END", "NONE"] }),
  isaacus: hosted(HOSTED),
  "text-embeddings-inference": hosted({
    ...HOSTED,
    rawScores: "boolean",
    truncate: "boolean",
    truncationDirection: ["Left", "Right"],
  }),
  compatible: hosted(HOSTED),
} as const satisfies Readonly<Record<string, FamilySpec>>;

/** Other spellings of built-in model types (as in src/core/families.ts). */
export const TYPE_ALIASES = {
  tei: "text-embeddings-inference",
  mixedbread: "mixedbread.ai",
  mxbai: "mixedbread.ai",
  rankgpt3: "rankgpt",
  rankgpt4: "rankgpt",
} as const;

export function builtInSpec(type: string): FamilySpec | undefined {
  return Object.hasOwn(FAMILY_SPECS, type) ? FAMILY_SPECS[type as keyof typeof FAMILY_SPECS] : undefined;
}

// ---- types derived from the table ----

interface TypeNames {
  string: string;
  number: number;
  boolean: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: callbacks of several shapes (chat, onRetry, onDownloadProgress)
  function: (...args: any[]) => unknown;
  object: Record<string, string>;
  strings: string | readonly string[];
  token: string | number;
  dtype: DtypeName;
}

type ValueOf<T> = T extends readonly (infer L)[] ? L : T extends keyof TypeNames ? TypeNames[T] : never;

/** Typed, all-optional options from a spec. */
export type OptionsOf<S> = { -readonly [K in keyof S]?: ValueOf<S[K]> };

type Specs = typeof FAMILY_SPECS;
export type BuiltInType = keyof Specs;
type Canonical<T> = T extends keyof typeof TYPE_ALIASES ? (typeof TYPE_ALIASES)[T] : T;

/**
 * Options of your own families, keyed by model type. Augment it so `Reranker(name, { modelType: "mine", … })`
 * type-checks: `declare module "rerankers" { interface CustomRerankerOptions { mine: { depth?: number } } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface CustomRerankerOptions {}

/** Every model type the library knows at compile time. */
export type ModelType = BuiltInType | keyof typeof TYPE_ALIASES | (keyof CustomRerankerOptions & string);

/** Backend options of one model type (built-in, alias or custom). */
export type BackendOptionsFor<T> =
  Canonical<T> extends BuiltInType
    ? OptionsOf<Specs[Canonical<T>]["options"]>
    : T extends keyof CustomRerankerOptions
      ? CustomRerankerOptions[T]
      : never;

type AllSpecs = Specs[BuiltInType]["options"];
type AllKeys = AllSpecs extends infer S ? (S extends unknown ? keyof S : never) : never;
type SpecValue<K extends PropertyKey> = AllSpecs extends infer S
  ? S extends unknown
    ? K extends keyof S
      ? S[K]
      : never
    : never
  : never;

/** Any option of any built-in family, typed (used when the model type is only known at run time). */
export type AnyBackendOptions = { [K in AllKeys]?: ValueOf<SpecValue<K>> };

/** Names `Reranker(name)` takes as a family (its default model): every built-in type and alias. */
export type FamilyName = BuiltInType | keyof typeof TYPE_ALIASES;

/** Hosted types, which may prefix a model name: `cohere:rerank-v3.5`. */
export type HostedType =
  | { [T in BuiltInType]: Specs[T]["kind"] extends "hosted" ? T : never }[BuiltInType]
  | "tei"
  | "mixedbread"
  | "mxbai";
