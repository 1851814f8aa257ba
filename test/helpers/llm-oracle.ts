/**
 * A local OpenAI-compatible `/v1/chat/completions` server whose "LLM" is a deterministic oracle. It reads the
 * passages back out of the prompt (RankGPT conversation, rank_llm single message, or the relevance-filter
 * template), ranks or judges them with a hidden relevance table keyed by passage text, and can be told to
 * misbehave. It records every request. Binds 127.0.0.1:0; `close()` drops open connections.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type PromptKind = "rankgpt" | "rankllm" | "relevance" | "unknown";

/** Ways the ranking reply can go wrong. */
export type Misbehaviour =
  | "prose" // chatter (with bare numbers) before and after the list
  | "duplicates" // ids repeated
  | "missing" // the least relevant third left out
  | "outOfRange" // [0], [num + 3], [999] mixed in
  | "garbage" // no ids at all
  | "quotedIds" // relevance filter: <document id="0">
  | "noClosingTags"; // relevance filter: </document> left out

/** Transport failures, consumed one per request in order. */
export type Failure = "429" | "500" | "timeout" | "401";

export interface OracleOptions {
  /** Passage text -> relevance in [0, 1] (unknown texts: 0). For the filter, >= 0.5 means RELEVANT. */
  relevance: Record<string, number>;
  misbehave?: Misbehaviour[];
  failures?: Failure[];
  /** Seconds sent in `Retry-After` with a 429 (default "0"). */
  retryAfter?: string;
  /** Relevance filter: texts the model never mentions. */
  omit?: string[];
  /** Return logprobs when the request asks for them (default true). */
  logprobs?: boolean;
  /** Answer 400 to any request with `logprobs: true` (servers that reject the parameter). */
  rejectLogprobs?: boolean;
  /** Delay every answer (to observe concurrency). */
  delayMs?: number;
}

export interface RecordedRequest {
  kind: PromptKind;
  /** Passages as they appear in the prompt, in prompt order. */
  passages: string[];
  /** The query as it appears in the prompt. */
  query: string;
  body: {
    model: string;
    messages: { role: string; content: string }[];
    temperature?: number;
    logprobs?: boolean;
    top_logprobs?: number;
  };
  headers: IncomingHttpHeaders;
  failure?: Failure;
}

export interface Oracle {
  baseUrl: string;
  requests: RecordedRequest[];
  options: OracleOptions;
  /** Most requests in flight at once. */
  readonly peakInFlight: number;
  /** The ranking the oracle gives these passages: stable sort by relevance, best first. */
  rank(passages: readonly string[]): number[];
  close(): Promise<void>;
}

interface Parsed {
  kind: PromptKind;
  query: string;
  passages: string[];
}

function parsePrompt(messages: { role: string; content: string }[]): Parsed {
  const first = messages[0];
  if (first?.role === "system" && first.content.startsWith("You are RankGPT")) {
    const intro = messages[1].content;
    const query = /relevance to query: ([\s\S]*)\.$/.exec(intro)?.[1] ?? "";
    const passages: string[] = [];
    for (const m of messages.slice(3)) {
      const p = m.role === "user" ? /^\[(\d+)\] ([\s\S]*)$/.exec(m.content) : null;
      if (p) {
        if (Number(p[1]) !== passages.length + 1)
          throw new Error(`oracle: passage id ${p[1]} out of sequence`);
        passages.push(p[2]);
      }
    }
    return { kind: "rankgpt", query, passages };
  }
  if (messages.length === 1 && first.content.startsWith("I will provide you with")) {
    const content = first.content;
    const query = /relevance to the search query: (.*)\.\n\n/.exec(content)?.[1] ?? "";
    const body = content.slice(content.indexOf("\n\n") + 2, content.indexOf("Search Query: "));
    const passages = [...body.matchAll(/^\[(\d+)\] (.*)$/gm)].map((m) => m[2]);
    return { kind: "rankllm", query, passages };
  }
  const marker = "Here is the query and documents:";
  if (messages.length === 1 && first.content.includes(marker)) {
    const rest = first.content.slice(first.content.indexOf(marker));
    const query = /<query>\n([\s\S]*?)\n<\/query>/.exec(rest)?.[1] ?? "";
    const passages = [...rest.matchAll(/<document id=(\d+)>\n([\s\S]*?)\n<\/document>/g)].map((m) => m[2]);
    return { kind: "relevance", query, passages };
  }
  return { kind: "unknown", query: "", passages: [] };
}

function rankingReply(order: number[], num: number, misbehave: readonly Misbehaviour[]): string {
  if (misbehave.includes("garbage")) return "I am sorry, I cannot rank these passages.";
  let ids = order.map((i) => i + 1);
  if (misbehave.includes("missing")) ids = ids.slice(0, Math.max(1, Math.ceil((ids.length * 2) / 3)));
  if (misbehave.includes("duplicates") && ids.length > 1)
    ids = [ids[0], ids[1], ids[0], ...ids.slice(2), ids[1]];
  if (misbehave.includes("outOfRange")) ids = [0, ids[0], num + 3, ...ids.slice(1), 999];
  let text = ids.map((i) => `[${i}]`).join(" > ");
  if (misbehave.includes("prose"))
    text = `Sure! Here are the ${num} passages, top 3 first:\n\n${text}\n\nI hope this helps.`;
  return text;
}

interface Token {
  token: string;
  logprob: number;
  top_logprobs: { token: string; logprob: number }[];
}

/** The judge's reply, and tokens whose first answer piece carries P(RELEVANT) = the table's value. */
function relevanceReply(passages: string[], options: OracleOptions): { content: string; tokens: Token[] } {
  const misbehave = options.misbehave ?? [];
  const tokens: Token[] = [];
  const plain = (s: string) =>
    tokens.push({ token: s, logprob: 0, top_logprobs: [{ token: s, logprob: 0 }] });
  passages.forEach((text, id) => {
    if (options.omit?.includes(text)) return;
    const p = Math.min(1 - 1e-9, Math.max(1e-9, options.relevance[text] ?? 0));
    const relevant = p >= 0.5;
    const idText = misbehave.includes("quotedIds") ? `"${id}"` : String(id);
    plain(
      `<document id=${idText}>\n<explanation>\nThe passage ${relevant ? "helps" : "does not help"}.\n</explanation>\n<answer>\n`,
    );
    const top = [
      { token: "REL", logprob: Math.log(p) },
      { token: "NOT", logprob: Math.log(1 - p) },
    ];
    if (!relevant) top.reverse();
    tokens.push({
      token: relevant ? "REL" : "NOT",
      logprob: Math.log(relevant ? p : 1 - p),
      top_logprobs: top,
    });
    plain(relevant ? "EVANT" : "_RELEVANT");
    plain(misbehave.includes("noClosingTags") ? "\n</answer>\n" : "\n</answer>\n</document>\n");
  });
  return { content: tokens.map((t) => t.token).join(""), tokens };
}

export async function startOracle(options: OracleOptions): Promise<Oracle> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const write = () => {
      inFlight--;
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (options.delayMs) setTimeout(write, options.delayMs);
    else write();
  };
  const failures = [...(options.failures ?? [])];
  const rank = (passages: readonly string[]) =>
    passages
      .map((_, i) => i)
      .sort((a, b) => (options.relevance[passages[b]] ?? 0) - (options.relevance[passages[a]] ?? 0) || a - b);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions"))
        return send(res, 404, { error: "not found" });
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RecordedRequest["body"];
      const parsed = parsePrompt(body.messages);
      const failure = failures.shift();
      requests.push({ ...parsed, body, headers: req.headers, failure });
      if (failure === "timeout") {
        inFlight--;
        return; // never answer; the client's timeout must fire
      }
      if (failure === "429") {
        return send(
          res,
          429,
          { error: { message: "Rate limit reached" } },
          { "retry-after": options.retryAfter ?? "0" },
        );
      }
      if (failure === "500") return send(res, 500, { error: { message: "internal error" } });
      if (failure === "401") {
        // Echo the credential like careless servers do: the client must redact it.
        return send(res, 401, {
          error: { message: `Incorrect API key provided: ${req.headers.authorization ?? ""}` },
        });
      }
      if (options.rejectLogprobs && body.logprobs)
        return send(res, 400, { error: { message: "logprobs is not supported" } });

      let content: string;
      let logprobs: { content: Token[] } | null = null;
      if (parsed.kind === "relevance") {
        const reply = relevanceReply(parsed.passages, options);
        content = reply.content;
        if (body.logprobs && options.logprobs !== false) logprobs = { content: reply.tokens };
      } else if (parsed.kind === "rankgpt" || parsed.kind === "rankllm") {
        content = rankingReply(rank(parsed.passages), parsed.passages.length, options.misbehave ?? []);
      } else {
        return send(res, 400, { error: { message: "oracle: unrecognised prompt" } });
      }
      send(res, 200, {
        id: `chatcmpl-${requests.length}`,
        object: "chat.completion",
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content }, logprobs, finish_reason: "stop" }],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    options,
    get peakInFlight() {
      return peakInFlight;
    },
    rank,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
