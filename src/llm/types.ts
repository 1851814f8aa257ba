/** One chat message in the OpenAI `/v1/chat/completions` shape. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What a pluggable chat function receives besides the messages. */
export interface ChatCallOptions {
  model: string;
  signal?: AbortSignal;
}

/**
 * Bring your own client: any function that sends the messages to a chat model and returns the reply text,
 * e.g. `(messages, { model }) => generateText({ model: openai(model), messages }).then((r) => r.text)`.
 */
export type ChatFunction = (messages: ChatMessage[], options: ChatCallOptions) => Promise<string>;

/** A top alternative for one generated token. */
export interface TokenAlternative {
  token: string;
  logprob: number;
}

/** One generated token with its log-probability and the most likely alternatives at that position. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  topLogprobs: TokenAlternative[];
}

/** A chat reply; `logprobs` only when asked for and the endpoint returned them. */
export interface ChatReply {
  content: string;
  logprobs?: TokenLogprob[];
}

export interface CompleteOptions {
  signal?: AbortSignal;
  /** Ask for token log-probabilities (`logprobs: true, top_logprobs: 5`). */
  logprobs?: boolean;
}

/** What the LLM methods talk to: the HTTP client or a wrapped user `chat` function. */
export interface ChatClient {
  readonly model: string;
  complete(messages: ChatMessage[], options?: CompleteOptions): Promise<ChatReply>;
}
