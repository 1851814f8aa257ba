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

function envValue(name: string): string | undefined {
  const v = process.env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/** The chat endpoint, as the OpenAI SDK picks it: the option, else `OPENAI_BASE_URL`, else the family default. */
export function llmEndpoint(baseUrl: string | undefined, familyDefault = OPENAI_BASE_URL): string {
  return (baseUrl ?? envValue("OPENAI_BASE_URL") ?? familyDefault).replace(/\/+$/, "");
}

/**
 * Read the shared LLM options, following the OpenAI SDK's environment convention: `baseUrl` else
 * `OPENAI_BASE_URL` else the family default; `apiKey` else `OPENAI_API_KEY`. The environment key goes to OpenAI
 * or to the endpoint you configured (`baseUrl` / `OPENAI_BASE_URL`), never to a family's built-in local default.
 * A key is required on OpenAI itself unless a `chat` function is given.
 */
export function readLlmConfig(
  options: Readonly<Record<string, unknown>>,
  defaults: { model: string; baseUrl?: string; maxConcurrency?: number },
): LlmConfig {
  const explicitUrl = optString(options, "baseUrl");
  const configured = explicitUrl !== undefined || envValue("OPENAI_BASE_URL") !== undefined;
  const baseUrl = llmEndpoint(explicitUrl, defaults.baseUrl);
  if (!/^https?:\/\//i.test(baseUrl)) {
    const from = explicitUrl !== undefined ? "baseUrl" : "OPENAI_BASE_URL";
    throw new InvalidInputError(
      `${from} must start with http:// or https://, got ${JSON.stringify(baseUrl)}`,
    );
  }
  const chat = optFunction<ChatFunction>(options, "chat");
  const envKey = configured || baseUrl === OPENAI_BASE_URL ? envValue("OPENAI_API_KEY") : undefined;
  const apiKey = optString(options, "apiKey") ?? envKey;
  if (chat === undefined && apiKey === undefined && baseUrl === OPENAI_BASE_URL) {
    throw new InvalidInputError(
      `${defaults.model} on ${OPENAI_BASE_URL} needs an API key: pass apiKey or set OPENAI_API_KEY (or point baseUrl / OPENAI_BASE_URL at a local server)`,
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
