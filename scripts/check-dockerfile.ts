/**
 * Runs the Dockerfile's build steps without Docker, then starts the result the way the image would.
 *
 *   node --import tsx scripts/check-dockerfile.ts [--keep] [--timeout-ms 600000]
 *
 * 1. The build context is a copy of the repository filtered by .dockerignore (Docker's own matching rules).
 * 2. Every stage gets its own folder standing for its root filesystem. WORKDIR, COPY (from the context or
 *    `--from=<stage>`), ENV and RUN are carried out in order; RUN runs with `/bin/sh -c` (Docker's default shell)
 *    in the mapped WORKDIR, with the stage's ENV. Absolute paths the Dockerfile itself names (WORKDIR, VOLUME, COPY
 *    destinations and sources, ENV values, ENTRYPOINT) are rewritten into the stage folder; RUN steps must not touch
 *    other absolute paths. What cannot be emulated is checked as text instead: the base image (not pulled: the
 *    host's Node must have the same major version), USER (numeric and not root), VOLUME covering HF_HOME, EXPOSE.
 * 3. The final stage is started as the image starts: `ENTRYPOINT --help`, then ENTRYPOINT + CMD with the model
 *    replaced by the shared tiny fixture, the host by 127.0.0.1 and the port by a free one; the HEALTHCHECK
 *    command must pass against it, a rerank request must succeed (so the optional peers really load), a request
 *    without the key must get 401, and SIGTERM must end it with exit code 0.
 *
 * Prints one line per step and a summary; exits 1 on the first failure. Bounded: each RUN step and the whole run
 * have a timeout. Needs the npm registry (or a warm npm cache) for `npm ci`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DockerfileParser, type Flag, type Instruction, JSONInstruction } from "dockerfile-ast";

// A CommonJS module whose types declare an ES default export: load it as CommonJS so both agree.
const dockerignore = createRequire(import.meta.url)(
  "@balena/dockerignore",
) as typeof import("@balena/dockerignore").default;
const HOST_NPM_CACHE = process.env.npm_config_cache || join(homedir(), ".npm");
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURE_MODEL = resolve(
  process.env.RERANKERS_FIXTURES ?? join(REPO, "..", "shared", "fixtures"),
  "tiny-bert-cross-encoder",
);

const { values } = parseArgs({
  options: {
    keep: { type: "boolean", default: false },
    "timeout-ms": { type: "string", default: "600000" },
    dockerfile: { type: "string", default: join(REPO, "Dockerfile") },
  },
});
const totalTimeoutMs = Number(values["timeout-ms"]);
const started = Date.now();
const remainingMs = () => totalTimeoutMs - (Date.now() - started);

class CheckFailed extends Error {}
/** Processes this script started and has not seen exit: killed if the whole run times out. */
const live = new Set<ChildProcess>();
function track<C extends ChildProcess>(child: C): C {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}
function fail(message: string): never {
  throw new CheckFailed(message);
}
function log(message: string): void {
  process.stdout.write(`check-dockerfile: ${message}\n`);
}

interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  volumes: string[];
  expose: string[];
  entrypoint?: string[];
  cmd?: string[];
  healthcheck?: string[];
}

/** The first segments of the container paths this Dockerfile names (`/app`, `/models`, ...). */
function containerPrefixes(instructions: Instruction[]): string[] {
  const found = new Set<string>();
  const add = (p: string | null | undefined) => {
    if (p?.startsWith("/") && p.length > 1) found.add(`/${p.split("/")[1]}`);
  };
  for (const i of instructions) {
    const kw = i.getKeyword();
    const args = i.getArguments().map((a) => a.getValue());
    if (kw === "WORKDIR") add(args[0]);
    if (kw === "COPY" || kw === "ADD") for (const a of args) add(a);
    if (kw === "ENV") for (const a of args) add(a.split("=")[1]);
    if (i instanceof JSONInstruction) for (const s of i.getJSONStrings()) add(s.getJSONValue());
  }
  return [...found].sort();
}

/** Paths a RUN step may name besides the Dockerfile's own: anything else would touch the host. */
const HOST_PATHS_ALLOWED = new Set(["/dev/null"]);

/** Refuse a RUN step that names an absolute path outside the mapped ones (it would run against the host). */
function checkRunPaths(command: string, prefixes: string[], line: number): void {
  for (const m of command.matchAll(/(?:^|[\s=:"'(`>])(\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]*)*)/g)) {
    const path = m[1];
    const first = `/${path.split("/")[1]}`;
    if (!prefixes.includes(first) && !HOST_PATHS_ALLOWED.has(path)) {
      fail(`line ${line}: RUN names ${path}, outside the paths this script maps (${prefixes.join(", ")})`);
    }
  }
}

function mapPath(stage: Stage, containerPath: string): string {
  const abs = posix.isAbsolute(containerPath) ? containerPath : posix.join(stage.workdir, containerPath);
  return join(stage.root, abs);
}

/** Rewrite the Dockerfile's own absolute paths inside a shell command or value to the stage folder. */
function rewrite(text: string, root: string, prefixes: string[]): string {
  let out = text;
  for (const p of prefixes) {
    const re = new RegExp(
      `(^|[\\s=:"'(\`])${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[/\\s"'\`)]|$)`,
      "g",
    );
    out = out.replace(re, (_m, lead: string) => `${lead}${root}${p}`);
  }
  return out;
}

function flagList(i: Instruction): Flag[] {
  return "getFlags" in i ? (i as unknown as { getFlags(): Flag[] }).getFlags() : [];
}

function flagsOf(i: Instruction): Record<string, string> {
  return Object.fromEntries(flagList(i).map((f) => [f.getName(), f.getValue() ?? ""]));
}

/** The build context: the repository as Docker would send it, .dockerignore applied. */
function buildContext(dest: string): number {
  const ignoreFile = join(REPO, ".dockerignore");
  const rules = existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8") : "";
  const ig = dockerignore({ ignorecase: false }).add(rules);
  const negations = rules
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("!"))
    .map((l) => l.slice(1).replace(/^\/+/, ""));
  let files = 0;
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(REPO, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // An ignored folder is only entered when a `!pattern` could re-include something below it.
        if (ig.ignores(path) && !negations.some((n) => n.startsWith(`${path}/`))) continue;
        walk(path);
      } else if (!ig.ignores(path)) {
        mkdirSync(dirname(join(dest, path)), { recursive: true });
        cpSync(join(REPO, path), join(dest, path), { preserveTimestamps: true });
        files++;
      }
    }
  };
  walk("");
  return files;
}

function run(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = track(
      spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] }),
    );
    let output = "";
    child.stdout.on("data", (c) => {
      output += c;
    });
    child.stderr.on("data", (c) => {
      output += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), Math.max(1000, opts.timeoutMs));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

/**
 * The environment of a step: the stage's ENV, HOME inside the stage (root's /root, as in the image), and npm's
 * cache there too, so the host's cache is never written unless a step mounts it as a BuildKit cache
 * (`--mount=type=cache,target=/root/.npm` is emulated by pointing npm at the host's own npm cache).
 */
function stageEnv(stage: Stage, prefixes: string[], cacheMounts: string[] = []): NodeJS.ProcessEnv {
  const home = join(stage.root, "root");
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, npm_config_cache: join(home, ".npm") };
  if (process.env.npm_config_registry) env.npm_config_registry = process.env.npm_config_registry;
  if (cacheMounts.includes("/root/.npm")) env.npm_config_cache = HOST_NPM_CACHE;
  for (const [k, v] of Object.entries(stage.env)) env[k] = rewrite(v, stage.root, prefixes);
  return env;
}

/** `--mount=type=cache,target=X` flags of a RUN step; any other mount type is refused. */
function cacheMounts(flags: Flag[], line: number): string[] {
  const targets: string[] = [];
  for (const f of flags) {
    if (f.getName() !== "mount") fail(`line ${line}: RUN --${f.getName()} is not emulated`);
    const opts = Object.fromEntries(
      (f.getValue() ?? "").split(",").map((kv) => kv.split("=") as [string, string]),
    );
    if (opts.type !== "cache" || !opts.target)
      fail(`line ${line}: only RUN --mount=type=cache,target=… is emulated`);
    targets.push(opts.target);
  }
  return targets;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function duMiB(path: string): number {
  let bytes = 0;
  const walk = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else bytes += st.size;
  };
  walk(path);
  return bytes / 2 ** 20;
}

async function build(tmp: string): Promise<{ final: Stage; prefixes: string[] }> {
  const text = readFileSync(values.dockerfile as string, "utf8");
  const df = DockerfileParser.parse(text);
  const instructions = df.getInstructions();
  const prefixes = containerPrefixes(instructions);
  const context = join(tmp, "context");
  log(`context: ${buildContext(context)} files after .dockerignore`);

  const args: Record<string, string> = {};
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  for (const i of instructions) {
    const kw = i.getKeyword();
    const argv = i.getArguments().map((a) => a.getValue());
    const flags = flagsOf(i);
    if (kw === "ARG") {
      const [k, v = ""] = argv[0].split("=");
      if (!stage) args[k] = v;
      continue;
    }
    if (kw === "FROM") {
      const image = argv[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a, b) => args[a ?? b] ?? "");
      const name = argv[2] ?? `stage${stages.size}`;
      const major = /^node:(\d+)/.exec(image)?.[1];
      const hostMajor = process.versions.node.split(".")[0];
      if (major !== hostMajor)
        fail(`FROM ${image}: the host runs Node ${hostMajor}, so its steps cannot stand for it`);
      stage = { name, root: join(tmp, "stages", name), workdir: "/", env: {}, volumes: [], expose: [] };
      mkdirSync(stage.root, { recursive: true });
      stages.set(name, stage);
      log(`FROM ${image} AS ${name}`);
      continue;
    }
    if (!stage) fail(`${kw} before FROM`);
    const line = i.getRange().start.line + 1;
    switch (kw) {
      case "WORKDIR":
        stage.workdir = posix.resolve(stage.workdir, argv[0]);
        mkdirSync(mapPath(stage, stage.workdir), { recursive: true });
        break;
      case "ENV":
        for (const p of df
          .getENVs()
          .find((e) => e === i)
          ?.getProperties() ?? []) {
          stage.env[p.getName()] = p.getValue() ?? "";
        }
        break;
      case "COPY": {
        const from = flags.from;
        const srcRoot = from ? stages.get(from)?.root : context;
        if (!srcRoot) fail(`line ${line}: COPY --from=${from}: no such stage`);
        const dest = argv[argv.length - 1];
        const sources = argv.slice(0, -1);
        for (const src of sources) {
          const srcPath = from ? join(srcRoot, posix.resolve("/", src)) : join(srcRoot, src);
          if (!existsSync(srcPath))
            fail(`line ${line}: COPY ${src}: not in the ${from ? `stage ${from}` : "context"}`);
          const destIsDir = dest.endsWith("/") || sources.length > 1 || statSync(srcPath).isDirectory();
          const target = mapPath(stage, dest);
          const finalTarget =
            destIsDir && !statSync(srcPath).isDirectory() ? join(target, posix.basename(src)) : target;
          mkdirSync(dirname(finalTarget), { recursive: true });
          cpSync(srcPath, finalTarget, { recursive: true, preserveTimestamps: true });
        }
        log(`line ${line}: COPY ${from ? `--from=${from} ` : ""}${argv.join(" ")}`);
        break;
      }
      case "RUN": {
        if (stage.user && !/^0(:0)?$|^root(:root)?$/.test(stage.user)) {
          fail(`line ${line}: RUN after USER ${stage.user} is not emulated (this script runs steps as root)`);
        }
        checkRunPaths(i.getArgumentsContent() ?? "", prefixes, line);
        const command = rewrite(i.getArgumentsContent() ?? "", stage.root, prefixes);
        const t0 = Date.now();
        const r = await run("/bin/sh", ["-c", command], {
          cwd: mapPath(stage, stage.workdir),
          env: stageEnv(stage, prefixes, cacheMounts(flagList(i), line)),
          timeoutMs: Math.min(300_000, remainingMs()),
        });
        if (r.code !== 0) fail(`line ${line}: RUN exited with ${r.code}:\n${r.output.slice(-3000)}`);
        log(
          `line ${line}: RUN ok in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${(i.getArgumentsContent() ?? "").slice(0, 70)}…`,
        );
        break;
      }
      case "USER":
        stage.user = argv[0];
        break;
      case "VOLUME":
        stage.volumes.push(
          ...(i instanceof JSONInstruction ? i.getJSONStrings().map((s) => s.getJSONValue()) : argv),
        );
        break;
      case "EXPOSE":
        stage.expose.push(...argv);
        break;
      case "ENTRYPOINT":
      case "CMD": {
        if (!(i instanceof JSONInstruction) || i.getJSONStrings().length === 0)
          fail(`line ${line}: ${kw} must be exec form (JSON)`);
        const list = i.getJSONStrings().map((s) => s.getJSONValue());
        if (kw === "ENTRYPOINT") stage.entrypoint = list;
        else stage.cmd = list;
        break;
      }
      case "HEALTHCHECK": {
        const content = (i.getArgumentsContent() ?? "").replace(/--\S+\s+/g, "").trim();
        if (!content.startsWith("CMD")) fail(`line ${line}: HEALTHCHECK must run a CMD`);
        stage.healthcheck = JSON.parse(content.slice(3).trim()) as string[];
        break;
      }
      case "LABEL":
      case "STOPSIGNAL":
      case "SHELL":
        if (kw === "SHELL") fail(`line ${line}: SHELL is not emulated`);
        break;
      default:
        fail(`line ${line}: ${kw} is not emulated by this script`);
    }
  }
  if (!stage) fail("no FROM");
  return { final: stage, prefixes };
}

/** What the image promises but a folder cannot show: checked as text. */
function checkStatic(final: Stage): void {
  const user = final.user ?? "0";
  const [uid, gid] = user.split(":");
  if (!/^\d+$/.test(uid) || Number(uid) === 0)
    fail(`USER ${user}: must be a numeric non-root uid (runAsNonRoot)`);
  if (gid !== undefined && !/^\d+$/.test(gid)) fail(`USER ${user}: the group must be numeric`);
  const hfHome = final.env.HF_HOME;
  if (!hfHome || !final.volumes.includes(hfHome)) fail(`HF_HOME (${hfHome}) must be a VOLUME`);
  const owner = statSync(mapPath(final, hfHome)).uid;
  if (process.getuid?.() === 0 && owner !== Number(uid))
    fail(`${hfHome} is owned by uid ${owner}, not ${uid}`);
  if (!final.entrypoint || !final.cmd) fail("ENTRYPOINT and CMD are required");
  if (!final.healthcheck) fail("HEALTHCHECK is required");
  const port = final.cmd[final.cmd.indexOf("--port") + 1];
  if (!final.expose.includes(port))
    fail(`EXPOSE ${final.expose.join(" ")} does not include the CMD's --port ${port}`);
  if (final.cmd[final.cmd.indexOf("--host") + 1] !== "0.0.0.0") fail("CMD must bind --host 0.0.0.0");
  if (final.cmd.includes("--api-key")) fail("CMD must not carry the API key (use RERANKERS_API_KEY)");
  log(
    `static: USER ${user}, VOLUME ${final.volumes.join(" ")}, EXPOSE ${final.expose.join(" ")}, exec-form ENTRYPOINT/CMD`,
  );
}

async function waitForServing(child: ChildProcess, timeoutMs: number): Promise<string> {
  let err = "";
  return new Promise((res, rej) => {
    const timer = setTimeout(
      () => rej(new CheckFailed(`serve did not start in ${timeoutMs} ms: ${err}`)),
      timeoutMs,
    );
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /serving .* on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new CheckFailed(`serve exited with ${code}: ${err}`));
    });
  });
}

async function smoke(final: Stage, prefixes: string[]): Promise<void> {
  const env = stageEnv(final, prefixes);
  const cwd = mapPath(final, final.workdir);
  const entry = (final.entrypoint ?? []).map((a) => rewrite(a, final.root, prefixes));
  const [cmd, ...entryArgs] = entry;

  const help = await run(cmd, [...entryArgs, "--help"], { cwd, env, timeoutMs: 30_000 });
  if (help.code !== 0 || !/serve/.test(help.output)) fail(`--help exited with ${help.code}: ${help.output}`);
  log("ENTRYPOINT --help ok");

  const port = await freePort();
  const serveArgs = [...(final.cmd ?? [])];
  const set = (flag: string, value: string) => {
    const at = serveArgs.indexOf(flag);
    if (at >= 0) serveArgs[at + 1] = value;
    else serveArgs.push(flag, value);
  };
  set("--model", FIXTURE_MODEL);
  set("--host", "127.0.0.1");
  set("--port", String(port));
  serveArgs.push("--model-type", "cross-encoder");
  const apiKey = `check-${process.pid}-${Date.now()}`;
  const child = track(
    spawn(cmd, [...entryArgs, ...serveArgs], {
      cwd,
      env: { ...env, RERANKERS_API_KEY: apiKey, HF_HUB_OFFLINE: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    }),
  );
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  try {
    const url = await waitForServing(child, 60_000);
    const originalPort = (final.cmd ?? [])[(final.cmd ?? []).indexOf("--port") + 1];
    const [hcCmd, ...hcArgs] = (final.healthcheck ?? []).map((a) =>
      a.replaceAll(`:${originalPort}/`, `:${port}/`),
    );
    const hc = await run(hcCmd, hcArgs, { cwd, env, timeoutMs: 10_000 });
    if (hc.code !== 0) fail(`HEALTHCHECK exited with ${hc.code}: ${hc.output}`);
    log(`serve started on ${url}; HEALTHCHECK ok`);

    const body = JSON.stringify({
      query: "reset password",
      documents: ["Click Reset password.", "Invoices."],
    });
    const headers = { "content-type": "application/json" };
    const denied = await fetch(`${url}/v1/rerank`, { method: "POST", headers, body });
    if (denied.status !== 401) fail(`rerank without the key answered ${denied.status}, expected 401`);
    const res = await fetch(`${url}/v1/rerank`, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${apiKey}` },
      body,
    });
    const json = (await res.json()) as { results?: { index: number; relevance_score: number }[] };
    if (res.status !== 200 || json.results?.length !== 2)
      fail(`rerank answered ${res.status}: ${JSON.stringify(json)}`);
    log(`rerank with RERANKERS_API_KEY ok (401 without it): ${JSON.stringify(json.results)}`);
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
  }
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await exited;
  clearTimeout(killer);
  if (code !== 0) fail(`serve exited with ${code} after SIGTERM, expected 0`);
  log("SIGTERM: exit 0");
}

/** Scratch space: the build stage holds ~30k files (~700 MB); tmpfs makes writing and removing them much faster. */
function scratchBase(): string {
  try {
    const fs = statfsSync("/dev/shm");
    if (fs.bavail * fs.bsize > 4 * 2 ** 30) return "/dev/shm";
  } catch {
    // no tmpfs here
  }
  return tmpdir();
}

const tmp = mkdtempSync(join(scratchBase(), "rerankers-dockerfile-"));
const overall = setTimeout(() => {
  process.stderr.write(`check-dockerfile: FAILED: over ${totalTimeoutMs} ms\n`);
  for (const child of live) child.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
}, totalTimeoutMs);
let failed = false;
try {
  if (!existsSync(FIXTURE_MODEL)) fail(`fixture model missing: ${FIXTURE_MODEL}`);
  const { final, prefixes } = await build(tmp);
  checkStatic(final);
  const app = mapPath(final, final.workdir);
  log(
    `final stage ${final.name}: ${final.workdir} = ${duMiB(app).toFixed(0)} MiB ` +
      `(node_modules ${duMiB(join(app, "node_modules")).toFixed(0)} MiB, dist ${duMiB(join(app, "dist")).toFixed(1)} MiB)`,
  );
  await smoke(final, prefixes);
  log(`OK in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  failed = true;
  process.stderr.write(`check-dockerfile: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  clearTimeout(overall);
  const t0 = Date.now();
  if (values.keep) log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  log(`removed the scratch folder in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
process.exitCode = failed ? 1 : 0;
