import { InvalidInputError } from "../core/errors.js";
import { optFunction, optInt, optNumber, optString } from "../core/options.js";
import type { ChatFunction } from "./types.js";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/**
 * OpenAI reasoning models (o1, o3, o4-mini, gpt-5…) reject `temperature: 0` and `max_tokens`: for them the
 * temperature is left to its default and the token cap is sent as `max_completion_tokens`.
 */
export function isReasoningModel(model: string): boolean {
  return /^(openai\/)?(o[1-9]|gpt-5)/i.test(model);
}

/** How to reach the chat model. Shared by rankgpt, rankllm and llm-relevance-filter. */
export interface LlmConfig {
  model: string;
  /** OpenAI-compatible base URL, e.g. `http://localhost:11434/v1` (Ollama) or `http://localhost:8000/v1` (vLLM). */
  baseUrl: string;
  /** Bearer token; absent for local servers that need none. */
  apiKey?: string;
  /** Sampling temperature; undefined = not sent (reasoning models accept only their default). */
  temperature: number | undefined;
  /** Parallel requests (only the relevance filter has independent calls). */
  maxConcurrency: number;
  /** Per request attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt (429/5xx/timeouts/network errors). */
  maxRetries?: number;
  /** Completion token cap (`max_tokens`), unset by default. */
  maxTokens?: number;
  /** Your own client instead of HTTP. */
  chat?: ChatFunction;
}

/**
 * Read the shared LLM options. `apiKey` falls back to `OPENAI_API_KEY` when the endpoint is OpenAI itself, where
 * it is required unless a `chat` function is given (Ollama, vLLM and other local servers need none).
 */
export function readLlmConfig(
  options: Readonly<Record<string, unknown>>,
  defaults: { model: string; baseUrl?: string; maxConcurrency?: number },
): LlmConfig {
  const baseUrl = (optString(options, "baseUrl") ?? defaults.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, "");
  if (!/^https?:\/\//i.test(baseUrl)) {
    throw new InvalidInputError(
      `baseUrl must start with http:// or https://, got ${JSON.stringify(baseUrl)}`,
    );
  }
  const chat = optFunction<ChatFunction>(options, "chat");
  // The environment key is only ever sent to OpenAI itself, never to another (possibly third-party) endpoint.
  const envKey = baseUrl === OPENAI_BASE_URL ? process.env.OPENAI_API_KEY || undefined : undefined;
  const apiKey = optString(options, "apiKey") ?? envKey;
  if (chat === undefined && apiKey === undefined && baseUrl === OPENAI_BASE_URL) {
    throw new InvalidInputError(
      `${defaults.model} on ${OPENAI_BASE_URL} needs an API key: pass apiKey or set OPENAI_API_KEY (or point baseUrl at a local server)`,
    );
  }
  return {
    model: defaults.model,
    baseUrl,
    apiKey,
    temperature: optNumber(options, "temperature", 0) ?? (isReasoningModel(defaults.model) ? undefined : 0),
    maxConcurrency: optInt(options, "maxConcurrency", 1) ?? defaults.maxConcurrency ?? 4,
    timeoutMs: optInt(options, "timeoutMs", 1),
    maxRetries: optInt(options, "maxRetries", 0),
    maxTokens: optInt(options, "maxTokens", 1),
    chat,
  };
}
