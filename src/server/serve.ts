import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Ranker } from "../core/ranker.js";
import { familyOptionNames } from "../core/registry.js";
import { Reranker, type RerankerOptions } from "../core/reranker.js";
import { resolveModel } from "../core/resolve.js";
import { createApp } from "./app.js";
import { applyServerLimits, nodeServerOptions, type ServerLimits } from "./limits.js";

export interface ServeOptions {
  /** Models to serve; the first is the default. Options apply to that model's `Reranker()` call. */
  models: readonly { name: string; options?: RerankerOptions }[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  apiKey?: string;
  limits?: Partial<ServerLimits>;
  /**
   * Run local inference (and cross-encoder tokenising) in a worker thread so the event loop keeps answering
   * (default true; a model's `workers` option asks for several data-parallel worker sessions instead).
   */
  worker?: boolean;
  /** How long shutdown waits for in-flight requests before closing their sockets (default 10 s). */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stop accepting, finish in-flight requests, then release the models. */
  close(): Promise<void>;
}

/** Load every model, then listen. Loading errors surface before the port opens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const rankers: Ranker[] = [];
  try {
    for (const m of options.models) {
      // Worker mode only for families that read the option (not LLM rankers or hosted APIs).
      const resolved = resolveModel(m.name, m.options);
      const local = familyOptionNames(resolved.modelType)?.includes("worker") ?? resolved.provider === null;
      const worker = local && (options.worker ?? true) ? { worker: true } : {};
      rankers.push(await Reranker(m.name, { ...worker, ...m.options }));
    }
  } catch (err) {
    await Promise.all(rankers.map((r) => r.close()));
    throw err;
  }
  const { app } = createApp({
    models: options.models.map((m, i) => ({ name: m.name, ranker: rankers[i] })),
    apiKey: options.apiKey,
    limits: options.limits,
  });

  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port: options.port ?? 8080,
        serverOptions: nodeServerOptions(options.limits),
      },
      () => resolve(s as Server),
    );
    s.once("error", reject);
  }).catch(async (err) => {
    await Promise.all(rankers.map((r) => r.close())); // e.g. EADDRINUSE: release workers so the process can exit
    throw err;
  });
  applyServerLimits(server, options.limits);
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open for minutes: sweep them until in-flight work is done.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        server.once("close", () => {
          clearInterval(sweep);
          clearTimeout(deadline);
        });
      });
      await Promise.all(rankers.map((r) => r.close()));
    })();
    return closing;
  };
  return { url: `http://${shownHost}:${port}`, port, close };
}
