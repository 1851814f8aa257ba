import type { Command } from "commander";
import { InvalidInputError } from "../core/errors.js";
import { redactUrls } from "../core/redact.js";
import { DEFAULT_LIMITS, type ServerLimits } from "../server/limits.js";
import { startServer } from "../server/serve.js";
import { serveWarnings } from "../server/warnings.js";
import { type BackendFlagValues, rerankerOptionsForAll } from "./backend-options.js";
import { collect, intFlag, typesFor } from "./flags.js";
import { downloadProgress } from "./progress.js";

interface ServeFlags extends BackendFlagValues {
  model: string[];
  modelType?: string[];
  lang?: string;
  host: string;
  port: string;
  maxDocuments?: string;
  maxBodyBytes?: string;
  maxQueryChars?: string;
  maxDocumentChars?: string;
  maxConcurrent?: string;
  maxQueue?: string;
  worker: boolean;
  shutdownTimeout?: string;
  bodyTimeout?: string;
}

/** A port in use or not allowed is a usage error (exit 2) naming the address, not an "unexpected error". */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (code === "EADDRINUSE")
    return new InvalidInputError(
      `cannot listen on ${address}: the port is already in use; pick another --port (0 picks a free one)`,
    );
  if (code === "EACCES")
    return new InvalidInputError(`cannot listen on ${address}: permission denied; use a port above 1023`);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new InvalidInputError(
      `cannot listen on ${address}: --host ${host} is not an address of this machine`,
    );
  return err;
}

async function runServe(flags: ServeFlags): Promise<void> {
  const types = typesFor(flags.model, flags.modelType);
  // For `serve`, --api-key is the key clients must send; hosted backends read their own keys from the environment.
  const flagKey = flags.apiKey;
  const serverKey = flagKey !== undefined ? String(flagKey) : process.env.RERANKERS_API_KEY;
  // An empty key (e.g. an unset secret in a deployment template) must not silently turn auth off.
  if (serverKey !== undefined && serverKey.trim() === "") {
    const source = flagKey !== undefined ? "--api-key" : "RERANKERS_API_KEY";
    throw new InvalidInputError(
      `${source} is empty: give a non-empty key, or leave it unset to serve without auth`,
    );
  }
  const backendFlags: BackendFlagValues = { ...flags, apiKey: undefined };
  const limits: Partial<ServerLimits> = {};
  const set = (key: keyof ServerLimits, flag: string, raw: string | undefined, min: number) => {
    const v = intFlag(flag, raw, min);
    if (v !== undefined) limits[key] = v;
  };
  set("maxDocuments", "max-documents", flags.maxDocuments, 1);
  set("maxBodyBytes", "max-body-bytes", flags.maxBodyBytes, 1);
  set("maxQueryChars", "max-query-chars", flags.maxQueryChars, 1);
  set("maxDocumentChars", "max-document-chars", flags.maxDocumentChars, 1);
  set("maxConcurrent", "max-concurrent", flags.maxConcurrent, 1);
  set("maxQueue", "max-queue", flags.maxQueue, 0);
  set("bodyTimeoutMs", "body-timeout", flags.bodyTimeout, 1);

  const port = intFlag("port", flags.port, 0) ?? 8080;
  const downloads = downloadProgress();
  const server = await startServer({
    models: rerankerOptionsForAll(
      flags.model,
      types,
      flags.lang,
      backendFlags,
      downloads.onDownloadProgress,
    ).map((options, i) => ({ name: flags.model[i], options })),
    host: flags.host,
    port,
    apiKey: serverKey,
    limits,
    worker: flags.worker,
    shutdownGraceMs: intFlag("shutdown-timeout", flags.shutdownTimeout, 0),
  })
    .catch((err) => {
      throw listenError(err, flags.host, port);
    })
    .finally(downloads.stop);
  for (const w of serveWarnings({ host: flags.host, apiKey: serverKey }))
    process.stderr.write(`rerankers: warning: ${w}\n`);
  process.stderr.write(`rerankers: serving ${redactUrls(flags.model.join(", "))} on ${server.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`rerankers: ${signal}: finishing in-flight requests\n`);
      server.close().then(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}

export function registerServeCommand(program: Command, addBackendFlags: (cmd: Command) => Command): void {
  const cmd = addBackendFlags(
    program
      .command("serve")
      .description("serve models over a Cohere/Jina-compatible HTTP API (POST /v1/rerank, /health, /metrics)")
      .requiredOption("-m, --model <name>", "model to serve (repeatable; the first is the default)", collect)
      .option("-t, --model-type <type>", "method for all models, or one per --model (repeatable)", collect)
      .option("--lang <lang>", "language for family defaults", "en")
      .option("--host <host>", "address to bind", "127.0.0.1")
      .option("--port <port>", "port (0 picks a free one)", "8080")
      .option("--max-documents <n>", `documents per request (default ${DEFAULT_LIMITS.maxDocuments})`)
      .option("--max-body-bytes <n>", `request body bytes (default ${DEFAULT_LIMITS.maxBodyBytes})`)
      .option("--max-query-chars <n>", `query characters (default ${DEFAULT_LIMITS.maxQueryChars})`)
      .option(
        "--max-document-chars <n>",
        `characters per document (default ${DEFAULT_LIMITS.maxDocumentChars})`,
      )
      .option("--max-concurrent <n>", `requests ranked at once (default ${DEFAULT_LIMITS.maxConcurrent})`)
      .option("--max-queue <n>", `requests waiting before 503 (default ${DEFAULT_LIMITS.maxQueue})`)
      .option(
        "--body-timeout <ms>",
        `a request body must arrive within this time, else 408 (default ${DEFAULT_LIMITS.bodyTimeoutMs})`,
      )
      .option("--shutdown-timeout <ms>", "on SIGTERM, wait this long for in-flight requests (default 10000)")
      .option("--no-worker", "run local inference on the main thread"),
  );
  cmd.action((flags: ServeFlags) => runServe(flags));
}
