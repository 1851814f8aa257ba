/**
 * A static file server for the browser demo, with the headers onnxruntime-web's WASM threads need
 * (cross-origin isolation: COOP same-origin + COEP require-corp make SharedArrayBuffer available).
 * Used by the browser test and by hand:
 *
 *   npm run build:browser && npm run serve:browser     -> http://127.0.0.1:8080/ (dist-browser/, and the shared
 *                                                         fixture models under /models/ when ../shared/fixtures exists)
 */
import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
  ".map": "application/json; charset=utf-8",
};

/** Forward one request (method, headers, body) to `target` and stream the answer back. */
async function forward(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(
      (e): e is [string, string] => typeof e[1] === "string" && !["host", "connection"].includes(e[0]),
    ),
  );
  try {
    const upstream = await fetch(target, {
      method: req.method,
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
    });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  } catch {
    res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway");
  }
}

export interface StaticServer {
  url: string;
  /** Paths requested so far (for measuring what a page downloads). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serve `root` at "/" and each `mounts` folder at its prefix (e.g. { "/models/": fixturesDir }) on 127.0.0.1.
 * Only GET/HEAD of files inside those folders; anything else is 404. `proxies` forwards a prefix to another
 * server (e.g. { "/cohere/": "http://127.0.0.1:9000" }): how a page reaches a hosted API without CORS or
 * exposing a key.
 */
export async function startStaticServer(
  root: string,
  mounts: Record<string, string> = {},
  port = 0,
  proxies: Record<string, string> = {},
): Promise<StaticServer> {
  const requests: string[] = [];
  const bases = [...Object.entries(mounts), ["/", root] as [string, string]];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    res.setHeader("cross-origin-opener-policy", "same-origin");
    res.setHeader("cross-origin-embedder-policy", "require-corp");
    res.setHeader("cross-origin-resource-policy", "same-origin");
    res.setHeader("cache-control", "no-store");
    const proxy = Object.entries(proxies).find(([p]) => path.startsWith(p));
    if (proxy) return forward(req, res, proxy[1] + (req.url ?? "/").slice(proxy[0].length - 1));
    const [prefix, dir] = bases.find(([p]) => path.startsWith(p)) ?? ["/", root];
    let file = resolve(dir, `.${sep}${path.slice(prefix.length)}`);
    const inside = file === resolve(dir) || file.startsWith(resolve(dir) + sep);
    if (path.endsWith("/")) file = join(file, "index.html");
    const info =
      inside && (req.method === "GET" || req.method === "HEAD")
        ? await stat(file).catch(() => undefined)
        : undefined;
    if (!info?.isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": info.size,
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}/`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const dist = join(root, "dist-browser");
  if (!existsSync(join(dist, "demo.js"))) {
    console.error("dist-browser/ is missing: run npm run build:browser first");
    process.exit(3);
  }
  const fixtures = process.env.RERANKERS_FIXTURES ?? resolve(root, "..", "shared", "fixtures");
  const mounts: Record<string, string> = existsSync(fixtures) ? { "/models/": fixtures } : {};
  const port = Number(process.env.PORT ?? 8080);
  const server = await startStaticServer(dist, mounts, port);
  const example = "models/tiny-bert-cross-encoder/";
  console.log(`serving dist-browser/ at ${server.url}`);
  if (existsSync(fixtures)) console.log(`fixture models: ${server.url}?model=${example}&device=wasm`);
  console.log("Ctrl-C stops");
}
