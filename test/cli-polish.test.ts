/**
 * Issue 14 (first run and CLI polish) and issue 15 item 6 (input sniffing): one test per repro, run against the
 * real CLI, a local mock Hub and local servers.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rerankerOptionsForAll } from "../src/cli/backend-options.js";
import { readDocuments } from "../src/cli/read-docs.js";
import { DTYPES } from "../src/engine/model-files.js";
import { type CliRun, runCli, runNode } from "./helpers/cli.js";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";

const TINY = fixturePath("tiny-bert-cross-encoder");
const dir = mkdtempSync(join(tmpdir(), "rerankers-cli-polish-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const oneLine = (r: CliRun) => r.stderr.trim().split("\n").length === 1;
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** Run the CLI under a pseudo-terminal (util-linux `script`), so stdin and stderr are TTYs. */
function runInTerminal(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<string> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, "--import", "tsx", "src/cli/main.ts", ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      out += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** A port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe("1. model downloads report progress", () => {
  let hub: MockHub;
  before(async () => {
    hub = await startMockHub({ repos: { "org/tiny-bert": TINY } });
  });
  after(() => hub.close());
  const env = (cache: string) => ({
    HF_ENDPOINT: hub.url,
    HF_HUB_CACHE: cache,
    HF_TOKEN_PATH: join(dir, "no-token"),
    HF_TOKEN: undefined,
    HF_HUB_OFFLINE: undefined,
  });
  const rank = ["rank", "-m", "org/tiny-bert", "-t", "cross-encoder", "-q", "q", "--json"];
  const onnxSize = `${Math.round(readFileSync(join(TINY, "onnx/model.onnx")).length / 1e3)} KB`;

  it('prints "downloading X (size)" on a non-terminal stderr, and nothing once cached', async () => {
    const cache = mkdtempSync(join(dir, "cache-"));
    const first = await runCli(rank, { input: '"a"\n', env: env(cache) });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(
      first.stderr.includes(`rerankers: downloading onnx/model.onnx (${onnxSize})`),
      `stderr was: ${first.stderr}`,
    );
    assert.match(first.stderr, /rerankers: downloading config\.json \(\d+ B\)/);
    const second = await runCli(rank, { input: '"a"\n', env: env(cache) });
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /downloading/);
  });

  it("draws a progress bar on a terminal", { skip: !hasScript && "needs util-linux script" }, async () => {
    const cache = mkdtempSync(join(dir, "cache-"));
    const docs = file("tty.jsonl", '"a"\n');
    const out = await runInTerminal([...rank, "--docs", docs], {
      HF_ENDPOINT: hub.url,
      HF_HUB_CACHE: cache,
      HF_TOKEN_PATH: join(dir, "no-token"),
    });
    assert.match(out, /downloading onnx\/model\.onnx \(\d+ KB\) \[[█░]+\] \d+%/);
  });
});

describe("2. network and port errors say what failed", () => {
  it("a compatible: endpoint that refuses connections is named in the error (exit 4)", async () => {
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const r = await runCli(
      ["rank", "-m", "compatible:m", "--base-url", base, "-q", "q", "--option", "maxRetries=0"],
      { input: '"a"\n' },
    );
    assert.equal(r.code, 4, r.stderr);
    assert.ok(oneLine(r), r.stderr);
    assert.ok(r.stderr.includes(`${base}/v1/rerank`), r.stderr);
    assert.match(r.stderr, /ECONNREFUSED/);
  });

  it("serve on a busy port: one clear line, exit 2", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(
        ["serve", "-m", "compatible:m", "--base-url", "http://127.0.0.1:9", "--port", String(port)],
        { timeoutMs: 30_000 },
      );
      assert.equal(r.code, 2, r.stderr);
      assert.ok(oneLine(r), r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`),
      );
      assert.doesNotMatch(r.stderr, /unexpected error/);
    } finally {
      busy.close();
    }
  });

  it("serve on a busy port with a local model also exits (workers are released)", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(["serve", "-m", TINY, "-t", "cross-encoder", "--port", String(port)], {
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /already in use/);
    } finally {
      busy.close();
    }
  });
});

describe("4. documents input: the format is decided, never sniffed (issue 15 item 6)", () => {
  const rank = (args: string[], input?: string) =>
    runCli(["rank", "-m", TINY, "-t", "cross-encoder", "-q", "q", "--json", ...args], { input });

  it("one malformed JSONL line on stdin is an error naming its line (exit 2), not plain text", async () => {
    const r = await rank([], '"first"\n{"text": "second"}\nthird is not JSON\n');
    assert.equal(r.code, 2, r.stderr);
    assert.ok(oneLine(r), r.stderr);
    assert.match(r.stderr, /stdin line 3: not valid JSON/);
    assert.match(r.stderr, /--docs-format txt/);
  });

  it("a UTF-8 byte order mark is ignored", async () => {
    const r = await rank([], '\uFEFF"first"\n"second"\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout)
        .results.map((x: { text: string }) => x.text)
        .sort(),
      ["first", "second"],
    );
    const p = file(
      "bom.jsonl",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"text":"x"}\n')]),
    );
    assert.deepEqual(await readDocuments(p), [{ text: "x" }]);
  });

  it("stdin starting with [ is JSONL unless --docs-format json says otherwise", async () => {
    const arr = '["a", "b"]';
    const r = await rank([], arr);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /stdin line 1: .*got an array.*--docs-format json/);
    const json = await rank(["--docs-format", "json"], arr);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).results.length, 2);
  });

  it("plain text needs --docs-format txt (or a .txt file)", async () => {
    const r = await rank([], "one plain line\nanother\n");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /stdin line 1: not valid JSON/);
    const txt = await rank(["--docs-format", "txt"], "one plain line\nanother\n");
    assert.equal(txt.code, 0, txt.stderr);
    assert.equal(JSON.parse(txt.stdout).results.length, 2);
    const bad = await rank(["--docs-format", "yaml"], "x\n");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--docs-format must be one of jsonl, json, txt/);
  });

  it("id, _id and doc_id are the document id; other fields are kept as metadata", async () => {
    const input = [
      { id: "a", text: "alpha", title: "A" },
      { _id: 7, text: "beta", metadata: { source: "x" } },
      { doc_id: "c", text: "gamma", url: "http://c" },
      { docId: "d", id: "other", text: "delta" },
    ]
      .map((d) => JSON.stringify(d))
      .join("\n");
    const r = await rank([], input);
    assert.equal(r.code, 0, r.stderr);
    const byText = new Map(
      JSON.parse(r.stdout).results.map((x: { text: string; docId: unknown; metadata: unknown }) => [
        x.text,
        { docId: x.docId, metadata: x.metadata },
      ]),
    );
    assert.deepEqual(byText.get("alpha"), { docId: "a", metadata: { title: "A" } });
    assert.deepEqual(byText.get("beta"), { docId: 7, metadata: { source: "x" } });
    assert.deepEqual(byText.get("gamma"), { docId: "c", metadata: { url: "http://c" } });
    assert.deepEqual(byText.get("delta"), { docId: "d", metadata: { id: "other" } });
  });
});

describe("5. rank without --docs on a terminal", () => {
  it("says it is reading stdin", { skip: !hasScript && "needs util-linux script" }, async () => {
    const out = await runInTerminal(["rank", "-m", TINY, "-t", "cross-encoder", "-q", "q"], {});
    assert.match(out, /reading documents from stdin .*Ctrl-D.*--docs FILE/);
  });
});

describe("6. CLI basics", () => {
  it("--version prints the package version", async () => {
    const version = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version;
    const r = await runCli(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), version);
  });

  it('a mistyped flag gets "did you mean", even when it is a required one', async () => {
    const r = await runCli(["rank", "--modle", "x", "-q", "q"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--modle'/);
    assert.match(r.stderr, /Did you mean --model\?/);
    const missing = await runCli(["rank", "-q", "q"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '-m, --model <name>' not specified/);
    const cmd = await runCli(["rnak"]);
    assert.match(cmd.stderr, /Did you mean rank\?/);
  });

  it("completion prints a bash script that bash accepts, with every command and flag", async () => {
    const r = await runCli(["completion", "bash"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /complete -o filenames -F _rerankers_complete rerankers/);
    for (const word of ["rank", "resolve", "eval", "serve", "--docs-format", "--model-type", "--max-queue"])
      assert.ok(r.stdout.includes(word), word);
    const script = file("completion.bash", r.stdout);
    execFileSync("bash", ["-n", script]);
    // Complete `rerankers rank --docs-f` in a real bash.
    const words = "COMP_WORDS=(rerankers rank --docs-f); COMP_CWORD=2";
    const out = execFileSync(
      "bash",
      ["-c", `source ${script}; ${words}; _rerankers_complete; echo "\${COMPREPLY[@]}"`],
      {
        encoding: "utf8",
      },
    );
    assert.equal(out.trim(), "--docs-format");
    const zsh = await runCli(["completion", "zsh"]);
    assert.match(zsh.stdout, /bashcompinit/);
    const fish = await runCli(["completion", "fish"]);
    assert.equal(fish.code, 2);
  });

  it("a local model with its optional packages missing names all of them in one message (exit 3)", async () => {
    const blocked = await runNode(
      [
        "--import",
        join(REPO_ROOT, "test/helpers/block-optional-deps.mjs"),
        "--import",
        "tsx",
        "src/cli/main.ts",
        "rank",
        "-m",
        TINY,
        "-t",
        "cross-encoder",
        "-q",
        "q",
      ],
      { input: '"a"\n' },
    );
    assert.equal(blocked.code, 3, blocked.stderr);
    assert.ok(oneLine(blocked), blocked.stderr);
    assert.match(blocked.stderr, /"onnxruntime-node" and "@huggingface\/tokenizers"/);
    assert.match(blocked.stderr, /`npm install onnxruntime-node @huggingface\/tokenizers`/);
  });
});

describe("3. shared flags of serve/eval with several models", () => {
  it("each model gets the shared options its family reads; an option nobody reads stays, to be reported", () => {
    const [local, hosted] = rerankerOptionsForAll(
      ["some/model", "cohere:rerank-v3.5"],
      ["cross-encoder"],
      "en",
      {
        dtype: "q8",
        apiKey: "k",
        option: ["sigmiod=true"],
      },
    );
    assert.deepEqual(local, { modelType: "cross-encoder", lang: "en", dtype: "q8", sigmiod: true });
    assert.deepEqual(hosted, { modelType: undefined, lang: "en", apiKey: "k", sigmiod: true });
  });

  it("serve with a typo in --option fails before listening, naming the closest option", async () => {
    const r = await runCli([
      "serve",
      "-m",
      TINY,
      "-t",
      "cross-encoder",
      "--port",
      "0",
      "--option",
      "sigmiod=true",
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown option "sigmiod" for cross-encoder \(did you mean "sigmoid"\?\)/);
  });
});

describe("7. small truths", () => {
  it("resolve rank_zephyr shows the checkpoint actually used", async () => {
    const r = await runCli(["resolve", "rank_zephyr"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /model: +castorini\/rank_zephyr_7b_v1_full/);
  });

  it("resolve gpt-4o names the chat endpoint instead of (local), honouring OPENAI_BASE_URL", async () => {
    const r = await runCli(["resolve", "gpt-4o"], { env: { OPENAI_BASE_URL: undefined } });
    assert.doesNotMatch(r.stdout, /\(local\)/);
    assert.match(r.stdout, /provider: +OpenAI-compatible chat API at https:\/\/api\.openai\.com\/v1/);
    const env = await runCli(["resolve", "gpt-4o", "--json"], {
      env: { OPENAI_BASE_URL: "http://127.0.0.1:4000/v1" },
    });
    assert.deepEqual(JSON.parse(env.stdout), {
      modelType: "rankgpt",
      model: "gpt-4o",
      provider: null,
      runs: "llm",
      endpoint: "http://127.0.0.1:4000/v1",
    });
  });

  it("--dtype help lists every dtype", async () => {
    const r = await runCli(["rank", "--help"]);
    const help = r.stdout.replace(/\s+/g, " ");
    for (const d of DTYPES) assert.ok(new RegExp(`[ ,:]${d}[,\\s]`).test(`${help} `), d);
  });
});
