/**
 * README's first command must work exactly as written: it is run with `sh -c` in the repository root against a
 * mock Hub that serves the minilm-l6-h384-random fixture as cross-encoder/ms-marco-MiniLM-L-6-v2.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";

const run = promisify(execFile);
const REPO = "cross-encoder/ms-marco-MiniLM-L-6-v2";
const CLI = join(REPO_ROOT, "dist", "cli", "main.js");

/** The bodies of the ```sh blocks of README.md, in order. */
function shellBlocks(): string[] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1].trim());
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

let hub: MockHub;
let hfHome: string;
let skipReason: string | undefined;

before(async () => {
  // `npm ci` builds dist through `prepare`; here dist is rebuilt when it is missing or older than src.
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestMtime(join(REPO_ROOT, "src"))) {
    try {
      await run("npm", ["run", "build"], { cwd: REPO_ROOT, timeout: 240_000 });
    } catch (error) {
      // tsc still emits when other files have type errors; only a missing CLI stops this test.
      console.error(`npm run build failed: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  if (!existsSync(CLI)) skipReason = `${CLI} is missing: run \`npm run build\` first`;
  hub = await startMockHub({ repos: { [REPO]: fixturePath("minilm-l6-h384-random") } });
  hfHome = mkdtempSync(join(tmpdir(), "rerankers-readme-"));
});

after(async () => {
  await hub?.close();
  if (hfHome !== undefined) rmSync(hfHome, { recursive: true, force: true });
});

test("README's second command block is `npm test`", () => {
  assert.equal(shellBlocks()[1], "npm test");
});

test("README's first command ranks examples/docs.jsonl with a model downloaded from the Hub", {
  timeout: 300_000,
}, async (t) => {
  if (skipReason !== undefined) {
    t.skip(skipReason);
    return;
  }
  const first = shellBlocks()[0];
  assert.ok(first.startsWith("npm ci && "), `README's first block must start with "npm ci && ": ${first}`);
  const command = first.slice("npm ci && ".length);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HF_ENDPOINT: hub.url,
    HF_HOME: hfHome,
    HF_TOKEN_PATH: join(hfHome, "no-token"),
  };
  for (const name of [
    "HF_HUB_CACHE",
    "HF_HUB_OFFLINE",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "XDG_CACHE_HOME",
  ]) {
    delete env[name];
  }
  let stdout: string;
  try {
    ({ stdout } = await run("sh", ["-c", command], {
      cwd: REPO_ROOT,
      env,
      timeout: 240_000,
      maxBuffer: 1 << 24,
    }));
  } catch (error) {
    const e = error as Error & { code?: number; stdout?: string; stderr?: string };
    assert.fail(`\`${command}\` exited with ${e.code}:\n${e.stderr}\n${e.stdout}`);
  }

  // Every document of examples/docs.jsonl appears exactly once in the table.
  const docs = readFileSync(join(REPO_ROOT, "examples", "docs.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { text: string; docId: string });
  assert.ok(docs.length >= 8 && docs.length <= 12, `${docs.length} documents`);
  for (const doc of docs) {
    assert.equal(occurrences(stdout, doc.docId), 1, `docId ${doc.docId} in:\n${stdout}`);
    assert.equal(occurrences(stdout, doc.text.slice(0, 24)), 1, `text of ${doc.docId} in:\n${stdout}`);
  }

  // The model came from the (mock) Hub into HF_HOME/hub, in the huggingface_hub layout.
  assert.ok(hub.count(`/${REPO}/resolve/main/`, "HEAD") >= 1, "no HEAD on /resolve/main/");
  for (const file of ["config.json", "tokenizer.json"]) {
    assert.equal(hub.count(`/${REPO}/resolve/${hub.commitOf(REPO)}/${file}`, "GET"), 1, `GET ${file}`);
  }
  assert.ok(
    hub.requests.some((r) => r.method === "GET" && r.path.startsWith("/cdn/") && r.status === 200),
    "the ONNX model was not downloaded",
  );
  const snapshot = join(
    hfHome,
    "hub",
    "models--cross-encoder--ms-marco-MiniLM-L-6-v2",
    "snapshots",
    hub.commitOf(REPO),
  );
  assert.ok(existsSync(join(snapshot, "config.json")), `${snapshot}/config.json`);
});

/** Every command line of README's ```sh blocks, with backslash continuations joined. */
function shellLines(): string[] {
  return shellBlocks()
    .flatMap((block) => block.replace(/\\\n\s*/g, "").split("\n"))
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Commands that only need this checkout and ../shared/fixtures (hosted APIs and LLM servers need the real service). */
function offlineCommands(): string[] {
  return shellLines().filter(
    (line) =>
      line.startsWith("npx tsx examples/") ||
      (line.startsWith("npx rerankers ") &&
        !line.startsWith("npx rerankers serve") &&
        (line.startsWith("npx rerankers resolve") || /--model \.\.\/shared\/fixtures\//.test(line)) &&
        !line.includes("--base-url")),
  );
}

test("every offline `npx rerankers` command in README works as written", { timeout: 300_000 }, async (t) => {
  if (skipReason !== undefined) return t.skip(skipReason);
  const commands = offlineCommands();
  assert.ok(commands.length >= 4, `only ${commands.length} offline commands found`);
  for (const command of commands) {
    try {
      const { stdout } = await run("sh", ["-c", command], {
        cwd: REPO_ROOT,
        timeout: 120_000,
        maxBuffer: 1 << 24,
      });
      assert.ok(stdout.trim().length > 0, `\`${command}\` printed nothing`);
    } catch (error) {
      const e = error as Error & { code?: number; stdout?: string; stderr?: string };
      assert.fail(`\`${command}\` exited with ${e.code}:\n${e.stderr}`);
    }
  }
  rmSync(join(REPO_ROOT, "eval-report.html"), { force: true });
});

test("README's serve and curl commands work as written", { timeout: 120_000 }, async (t) => {
  if (skipReason !== undefined) return t.skip(skipReason);
  const lines = shellLines();
  const serveLine = lines.find((l) => l.startsWith("npx rerankers serve "));
  const curlLine = lines.find((l) => l.startsWith("curl ") && l.includes("/v1/rerank"));
  assert.ok(serveLine && curlLine, "README has a serve command and a curl command");
  // Its own process group: npx runs the CLI in child processes, and the whole group must stop at the end.
  const server = spawn("sh", ["-c", serveLine], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  const exited = new Promise((resolve) => server.once("exit", resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
      server.stderr?.on("data", (c: Buffer) => {
        err += c.toString();
        if (/serving .* on http/.test(err)) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    const { stdout } = await run("sh", ["-c", curlLine], { cwd: REPO_ROOT, timeout: 30_000 });
    const body = JSON.parse(stdout) as {
      results: { index: number; relevance_score: number; document?: { text: string } }[];
    };
    assert.equal(body.results.length, 1);
    assert.equal(typeof body.results[0].relevance_score, "number");
  } finally {
    const group = -(server.pid as number);
    process.kill(group, "SIGTERM");
    const killer = setTimeout(() => process.kill(group, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  }
});

test("README's load-test command runs and ends by itself", { timeout: 120_000 }, async (t) => {
  if (skipReason !== undefined) return t.skip(skipReason);
  const command = shellLines().find((l) => l.startsWith("npm run load"));
  assert.ok(command, "README has an npm run load command");
  const { stdout } = await run("sh", ["-c", command], { cwd: REPO_ROOT, timeout: 100_000 });
  const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as { requests: number; errors: number };
  assert.ok(report.requests > 0);
  assert.equal(report.errors, 0);
});
