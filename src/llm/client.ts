import { ModelOutputError, ProviderError, throwIfAborted } from "../core/errors.js";
import { requestJson } from "../providers/http.js";
import { isReasoningModel, type LlmConfig } from "./config.js";
import type { ChatClient, ChatMessage, ChatReply, CompleteOptions, TokenLogprob } from "./types.js";

/** The subset of an OpenAI chat-completions response we read. */
interface CompletionResponse {
  choices?: {
    message?: { content?: string | { type?: string; text?: string }[] | null };
    logprobs?: {
      content?:
        | { token?: string; logprob?: number; top_logprobs?: { token?: string; logprob?: number }[] }[]
        | null;
    } | null;
  }[];
}

/** `openai` for OpenAI itself, else `host:port`: names the endpoint in errors without any secret. */
export function endpointName(baseUrl: string): string {
  try {
    const host = new URL(baseUrl).host;
    return host === "api.openai.com" ? "openai" : host;
  } catch {
    return "llm";
  }
}

export function completionsUrl(baseUrl: string): string {
  const b = baseUrl.replace(/\/+$/, "");
  return b.endsWith("/chat/completions") ? b : `${b}/chat/completions`;
}

function contentOf(provider: string, body: CompletionResponse): string {
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
  if (content === null) return "";
  throw new ProviderError(provider, "the response has no choices[0].message.content");
}

function logprobsOf(body: CompletionResponse): TokenLogprob[] | undefined {
  const list = body?.choices?.[0]?.logprobs?.content;
  if (!Array.isArray(list)) return undefined;
  return list
    .filter((t) => typeof t?.token === "string" && typeof t.logprob === "number")
    .map((t) => ({
      token: t.token as string,
      logprob: t.logprob as number,
      topLogprobs: (t.top_logprobs ?? [])
        .filter((a) => typeof a?.token === "string" && typeof a.logprob === "number")
        .map((a) => ({ token: a.token as string, logprob: a.logprob as number })),
    }));
}

/** An OpenAI-compatible `/chat/completions` client over the shared HTTP layer (timeouts, retries, typed errors). */
export function httpChatClient(config: LlmConfig): ChatClient {
  const provider = endpointName(config.baseUrl);
  const url = completionsUrl(config.baseUrl);
  const headers: Record<string, string> = config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
  const secrets = config.apiKey ? [config.apiKey] : [];
  return {
    model: config.model,
    async complete(messages: ChatMessage[], options: CompleteOptions = {}): Promise<ChatReply> {
      const body: Record<string, unknown> = { model: config.model, messages };
      if (config.temperature !== undefined) body.temperature = config.temperature;
      if (config.maxTokens !== undefined) {
        body[isReasoningModel(config.model) ? "max_completion_tokens" : "max_tokens"] = config.maxTokens;
      }
      if (options.logprobs) {
        body.logprobs = true;
        body.top_logprobs = 5;
      }
      const res = await requestJson<CompletionResponse>({
        provider,
        url,
        headers,
        body,
        timeoutMs: config.timeoutMs,
        maxRetries: config.maxRetries,
        signal: options.signal,
        secrets,
      });
      return {
        content: contentOf(provider, res.body),
        logprobs: options.logprobs ? logprobsOf(res.body) : undefined,
      };
    },
  };
}

/** Wrap a user `chat` function; it never returns log-probabilities. */
export function functionChatClient(config: LlmConfig): ChatClient {
  const chat = config.chat;
  if (chat === undefined) throw new TypeError("functionChatClient needs config.chat");
  return {
    model: config.model,
    async complete(messages: ChatMessage[], options: CompleteOptions = {}): Promise<ChatReply> {
      throwIfAborted(options.signal);
      const text = await chat(
        messages.map((m) => ({ ...m })),
        { model: config.model, signal: options.signal },
      );
      if (typeof text !== "string")
        throw new ModelOutputError(`the chat function returned ${typeof text}, not a string`);
      return { content: text };
    },
  };
}

export function createChatClient(config: LlmConfig): ChatClient {
  return config.chat ? functionChatClient(config) : httpChatClient(config);
}
