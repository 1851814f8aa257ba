/**
 * A local stand-in for the Hugging Face Hub's file endpoints, serving fixture folders as repositories:
 * `/{repo}/resolve/{revision}/{path}` (HEAD/GET). Binary files (LFS on the Hub) answer 302 to `/cdn/{sha256}` on a second origin
 * with X-Repo-Commit / X-Linked-Etag / X-Linked-Size; small files answer 200 with a (weak) git-sha1 ETag; absent
 * files 404 + `X-Error-Code: EntryNotFound`; unknown repos 401 `RepositoryNotFound`, unknown revisions 404
 * `RevisionNotFound`. Range requests get 206. Every request is logged; faults can be injected.
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface MockRequest {
  /** Which server answered: the Hub itself or the CDN (another origin). */
  server: "hub" | "cdn";
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
  status: number;
}

export interface MockHubOptions {
  /** repo id → fixture folder (served as `main`), or revision name → folder. */
  repos: Record<string, string | Record<string, string>>;
  /** The commit `main` resolves to (default: sha1 of "repo@revision"). */
  commit?: string;
  /** When set, `/resolve/` needs `Authorization: Bearer <token>` (401 `GatedRepo` otherwise); the CDN does not. */
  token?: string;
  /** Wait this long before answering a `/cdn/` request (to make downloads overlap). */
  cdnDelayMs?: number;
  /** Small files at a branch answer 307 to a relative `/api/resolve-cache/...` URL, as huggingface.co does. */
  relativeRedirects?: boolean;
  /** Renamed repos: old id → new id; `/old/resolve/…` answers 307 with a relative Location to `/new/resolve/…`. */
  renamed?: Record<string, string>;
  /** How LFS redirects name the CDN: an absolute URL (default) or a protocol-relative `//host:port/…`. */
  cdnLocation?: "absolute" | "protocol-relative";
  /** Send this X-Linked-Etag for LFS files instead of their sha256 (e.g. `..`, to test the client's checks). */
  linkedEtag?: string;
  /** Requests whose path contains this string get no answer at all (the connection stays open). */
  stallPath?: string;
  /** GETs whose path contains this string get headers and `afterBytes` of the body, then nothing. */
  stallBody?: { path: string; afterBytes: number };
}

export interface DropFault {
  /** Requests whose path contains this string (GETs with a body only). */
  path: string;
  /** Bytes sent before the connection is closed. */
  afterBytes: number;
  times?: number;
}

export interface MockHub {
  url: string;
  requests: MockRequest[];
  /** The commit a repo's revision resolves to. */
  commitOf(repo: string, revision?: string): string;
  /** sha256 (hex) of a served file. */
  sha256Of(repo: string, path: string, revision?: string): string;
  /** Close the connection mid-body on the next matching GET(s). */
  dropNext(fault: DropFault): void;
  /** While set, every request answers with this HTTP status (e.g. 503), or has its connection reset. */
  outage: number | "reset" | undefined;
  /** Requests whose path contains `part` (and, optionally, of this method). */
  count(part: string, method?: string): number;
  close(): Promise<void>;
}

const LFS_EXTENSIONS = /\.(onnx|onnx_data|safetensors|bin|zip|model|pt|h5|msgpack)$/;

interface Revision {
  name: string;
  dir: string;
  commit: string;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

export async function startMockHub(options: MockHubOptions): Promise<MockHub> {
  const repos = new Map<string, Revision[]>();
  for (const [repo, spec] of Object.entries(options.repos)) {
    const revisions = typeof spec === "string" ? { main: spec } : spec;
    repos.set(
      repo,
      Object.entries(revisions).map(([name, dir]) => ({
        name,
        dir,
        commit: name === "main" && options.commit !== undefined ? options.commit : sha1(`${repo}@${name}`),
      })),
    );
  }
  const hashes = new Map<string, { sha256: string; gitSha1: string }>();
  const cdn = new Map<string, string>(); // sha256 → file
  const hashOf = (file: string) => {
    let hash = hashes.get(file);
    if (hash === undefined) {
      const data = readFileSync(file);
      hash = {
        sha256: createHash("sha256").update(data).digest("hex"),
        gitSha1: createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex"),
      };
      hashes.set(file, hash);
      cdn.set(hash.sha256, file);
    }
    return hash;
  };
  const requests: MockRequest[] = [];
  const drops: DropFault[] = [];

  const findRevision = (repo: string, revision: string) =>
    repos.get(repo)?.find((r) => r.name === revision || r.commit === revision);

  function sendFile(req: IncomingMessage, res: ServerResponse, file: string, log: MockRequest, extra = {}) {
    const size = statSync(file).size;
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0;
    let end = size - 1;
    let status = 200;
    const headers: Record<string, string | number> = { ...extra, "Accept-Ranges": "bytes" };
    if (match !== null) {
      start = Number(match[1]);
      end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
      if (start >= size) {
        log.status = 416;
        res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
    }
    headers["Content-Length"] = end - start + 1;
    log.status = status;
    res.writeHead(status, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const drop = drops.find((d) => log.path.includes(d.path) && (d.times ?? 1) > 0);
    if (drop !== undefined) {
      drop.times = (drop.times ?? 1) - 1;
      const stream = createReadStream(file, { start, end: Math.min(end, start + drop.afterBytes - 1) });
      stream.pipe(res, { end: false });
      // A pause before closing lets the client drain what it received (a fetch body error drops its queue).
      stream.on("end", () => setTimeout(() => req.socket.end(), 100));
      return;
    }
    createReadStream(file, { start, end }).pipe(res);
  }

  function resolve(req: IncomingMessage, res: ServerResponse, log: MockRequest, cdnBase: string): void {
    const renamed = /^\/(.+?)\/resolve\/(.+)$/.exec(log.path);
    const newName = renamed === null ? undefined : options.renamed?.[renamed[1]];
    if (renamed !== null && newName !== undefined) {
      log.status = 307;
      res.writeHead(307, { Location: `/${newName}/resolve/${renamed[2]}` }).end();
      return;
    }
    const match =
      /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(log.path) ??
      /^\/api\/resolve-cache\/models\/(.+?)\/([0-9a-f]{40})\/(.+)$/.exec(log.path);
    if (match === null) {
      log.status = 404;
      res.writeHead(404).end();
      return;
    }
    const [, repo, rawRevision, rawPath] = match;
    const revision = decodeURIComponent(rawRevision);
    const path = rawPath.split("/").map(decodeURIComponent).join("/");
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      log.status = 401;
      res.writeHead(401, { "X-Error-Code": "GatedRepo", "X-Error-Message": "Access restricted" }).end();
      return;
    }
    if (!repos.has(repo)) {
      log.status = 401;
      res.writeHead(401, { "X-Error-Code": "RepositoryNotFound" }).end();
      return;
    }
    const rev = findRevision(repo, revision);
    if (rev === undefined) {
      log.status = 404;
      res.writeHead(404, { "X-Error-Code": "RevisionNotFound" }).end();
      return;
    }
    const file = join(rev.dir, path);
    let size: number;
    try {
      const info = statSync(file);
      if (!info.isFile()) throw new Error("not a file");
      size = info.size;
    } catch {
      log.status = 404;
      res.writeHead(404, { "X-Error-Code": "EntryNotFound", "X-Repo-Commit": rev.commit }).end();
      return;
    }
    const hash = hashOf(file);
    if (LFS_EXTENSIONS.test(path)) {
      log.status = 302;
      const cdnFile = `${cdnBase}/cdn/${hash.sha256}`;
      res
        .writeHead(302, {
          Location: options.cdnLocation === "protocol-relative" ? cdnFile.replace(/^http:/, "") : cdnFile,
          "X-Repo-Commit": rev.commit,
          "X-Linked-Etag": `"${options.linkedEtag ?? hash.sha256}"`,
          "X-Linked-Size": size,
          ETag: `"${hash.gitSha1}"`,
        })
        .end();
      return;
    }
    if (options.relativeRedirects === true && revision !== rev.commit) {
      log.status = 307;
      res.writeHead(307, { Location: `/api/resolve-cache/models/${repo}/${rev.commit}/${rawPath}` }).end();
      return;
    }
    const etag = req.method === "HEAD" ? `W/"${hash.gitSha1}"` : `"${hash.gitSha1}"`;
    sendFile(req, res, file, log, { "X-Repo-Commit": rev.commit, ETag: etag });
  }

  const handler = (server: "hub" | "cdn") => (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    const log: MockRequest = {
      server,
      method: req.method ?? "GET",
      path,
      range: req.headers.range,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(log);
    if (hub.outage === "reset") {
      req.socket.destroy();
      return;
    }
    if (hub.outage !== undefined) {
      log.status = hub.outage;
      res.writeHead(hub.outage).end();
      return;
    }
    if (options.stallPath !== undefined && path.includes(options.stallPath)) return;
    const stall = options.stallBody;
    if (stall !== undefined && req.method === "GET" && path.includes(stall.path)) {
      res.writeHead(200, { "Content-Length": 1_000_000 });
      res.write(Buffer.alloc(stall.afterBytes));
      return;
    }
    const cdnMatch = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdnMatch !== null) {
      const file = cdn.get(cdnMatch[1]);
      if (file !== undefined) {
        setTimeout(() => sendFile(req, res, file, log), options.cdnDelayMs ?? 0);
        return;
      }
      log.status = 404;
      res.writeHead(404).end();
      return;
    }
    resolve(req, res, log, cdnUrl);
  };
  // The CDN is another origin, as on the Hub, so that a client must not forward the token there.
  const server = createServer(handler("hub"));
  const cdnServer = createServer(handler("cdn"));
  const listen = async (s: Server) => {
    await new Promise<void>((done) => s.listen(0, "127.0.0.1", done));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  const url = await listen(server);
  const cdnUrl = await listen(cdnServer);

  const hub: MockHub = {
    url,
    requests,
    outage: undefined,
    commitOf(repo, revision = "main") {
      const rev = findRevision(repo, revision);
      if (rev === undefined) throw new Error(`mock hub: no ${repo}@${revision}`);
      return rev.commit;
    },
    sha256Of(repo, path, revision = "main") {
      const rev = findRevision(repo, revision);
      if (rev === undefined) throw new Error(`mock hub: no ${repo}@${revision}`);
      return hashOf(join(rev.dir, path)).sha256;
    },
    dropNext(fault) {
      drops.push({ ...fault });
    },
    count(part, method) {
      return requests.filter((r) => r.path.includes(part) && (method === undefined || r.method === method))
        .length;
    },
    async close() {
      for (const s of [server, cdnServer]) {
        s.closeAllConnections();
        await new Promise((done) => s.close(done));
      }
    },
  };
  return hub;
}
