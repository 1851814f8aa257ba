/**
 * One error hierarchy for the whole library. Every error we throw on purpose is a `RerankersError`
 * with a stable `code`, a one-line `message` and the CLI `exitCode` it maps to:
 * 2 bad usage or invalid input, 3 missing dependency or model files, 4 provider or network failure.
 */
export type ErrorCode =
  | "invalid_input"
  | "unknown_model"
  | "unsupported_operation"
  | "not_implemented"
  | "missing_dependency"
  | "model_files"
  | "model_output"
  | "network"
  | "provider"
  | "aborted";

export type ExitCode = 1 | 2 | 3 | 4;

/** Collapse whitespace so that every message stays on one line. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

export class RerankersError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** The caller passed something we cannot rank: raised before any model or network work. */
export class InvalidInputError extends RerankersError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_input", 2, message, options);
  }
}

/** A model name or model type that no registered family knows. */
export class UnknownModelError extends RerankersError {
  readonly knownTypes: readonly string[];
  constructor(message: string, knownTypes: readonly string[]) {
    super("unknown_model", 2, `${message}; known model types: ${knownTypes.join(", ")}`);
    this.knownTypes = knownTypes;
  }
}

/** The method cannot do this operation, e.g. `score()` on a listwise ranker. */
export class UnsupportedOperationError extends RerankersError {
  constructor(message: string) {
    super("unsupported_operation", 2, message);
  }
}

/** A known model type whose backend is not available here (not built yet, or not supported locally). */
export class NotImplementedError extends RerankersError {
  readonly modelType: string;
  constructor(modelType: string, message: string) {
    super("not_implemented", 3, message);
    this.modelType = modelType;
  }
}

/** An optional peer dependency is not installed. The message names the exact install command. */
export class MissingDependencyError extends RerankersError {
  /** The first missing package; `packageNames` lists all of them. */
  readonly packageName: string;
  readonly packageNames: readonly string[];
  readonly installCommand: string;
  constructor(packageName: string, purpose: string, options?: { cause?: unknown; extraPackages?: string[] }) {
    const all = [packageName, ...(options?.extraPackages ?? [])];
    const installCommand = `npm install ${all.join(" ")}`;
    const names = all.map((p) => `"${p}"`).join(" and ");
    const what = all.length === 1 ? "the optional package" : "the optional packages";
    super("missing_dependency", 3, `${purpose} needs ${what} ${names}: run \`${installCommand}\``, options);
    this.packageName = packageName;
    this.packageNames = all;
    this.installCommand = installCommand;
  }
}

/** Model files are missing, corrupt, of the wrong dtype, or not the kind of model the method needs. */
export class ModelFilesError extends RerankersError {
  readonly path: string | undefined;
  constructor(message: string, options?: { cause?: unknown; path?: string }) {
    super("model_files", 3, message, options);
    this.path = options?.path;
  }
}

/** A model produced output we cannot turn into scores (wrong shape, NaN). Never silently ignored. */
export class ModelOutputError extends RerankersError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("model_output", 1, message, options);
  }
}

/** A download or other network operation failed (the Hugging Face Hub, a FlashRank archive). */
export class NetworkError extends RerankersError {
  readonly status: number | undefined;
  readonly url: string | undefined;
  constructor(message: string, options?: { cause?: unknown; status?: number; url?: string }) {
    super("network", 4, message, options);
    this.status = options?.status;
    this.url = options?.url;
  }
}

/** A hosted API (reranking provider or LLM endpoint) failed. Never carries the API key. */
export class ProviderError extends RerankersError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  constructor(
    provider: string,
    message: string,
    options?: { cause?: unknown; status?: number; requestId?: string; retryable?: boolean },
  ) {
    super("provider", 4, `${provider}: ${message}`, options);
    this.provider = provider;
    this.status = options?.status;
    this.requestId = options?.requestId;
    this.retryable = options?.retryable ?? false;
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends RerankersError {
  constructor(message = "ranking was aborted", options?: { cause?: unknown }) {
    super("aborted", 1, message, options);
  }
}

/** Throw `AbortedError` if the signal has fired; call between batches. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError("ranking was aborted", { cause: signal.reason });
}
