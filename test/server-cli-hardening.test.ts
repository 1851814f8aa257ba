import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { redactUrl, redactUrls } from "../src/core/redact.js";
import { isLoopbackHost } from "../src/server/warnings.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath } from "./helpers/fixtures.js";
import { startServeProcess } from "./helpers/serve-process.js";

const TINY = fixturePath("tiny-bert-cross-encoder");
const NO_KEY = { RERANKERS_API_KEY: undefined };
const tmp: string[] = [];
after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** A port that refuses connections (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("serve: API key and host (issue 15, item 8)", () => {
  it("refuses an empty --api-key and an empty RERANKERS_API_KEY (exit 2) instead of serving without auth", async () => {
    const base = ["serve", "-m", TINY, "-t", "cross-encoder", "--port", "0"];
    const flag = await runCli([...base, "--api-key", ""], { env: NO_KEY, timeoutMs: 30_000 });
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /^rerankers: --api-key is empty: give a non-empty key, or leave it unset/);
    const env = await runCli(base, { env: { RERANKERS_API_KEY: "" }, timeoutMs: 30_000 });
    assert.equal(env.code, 2, env.stderr);
    assert.match(env.stderr, /^rerankers: RERANKERS_API_KEY is empty/);
  });

  it("warns when listening beyond loopback without a key, and not otherwise", async () => {
    const cases: [string[], NodeJS.ProcessEnv, boolean][] = [
      [["--host", "0.0.0.0"], NO_KEY, true],
      [["--host", "0.0.0.0"], { RERANKERS_API_KEY: "k-123" }, false],
      [["--host", "127.0.0.1"], NO_KEY, false],
    ];
    for (const [args, env, warns] of cases) {
      const server = await startServeProcess(
        ["--model", TINY, "--model-type", "cross-encoder", ...args],
        env,
      );
      try {
        const warning = /rerankers: warning: listening on 0\.0\.0\.0 without an API key/;
        if (warns) assert.match(server.stderr(), warning);
        else assert.doesNotMatch(server.stderr(), /warning/);
      } finally {
        await server.stop();
      }
    }
  });

  it("a slow body to the real server process gets 408 at --body-timeout and the connection is closed", async () => {
    const server = await startServeProcess(
      ["--model", TINY, "--model-type", "cross-encoder", "--body-timeout", "400"],
      NO_KEY,
    );
    try {
      const { port } = new URL(server.url);
      const s = connect(Number(port), "127.0.0.1");
      let data = "";
      s.on("data", (c) => {
        data += c;
      });
      s.on("error", () => {});
      const t0 = Date.now();
      s.write(
        "POST /v1/rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{",
      );
      const trickle = setInterval(() => s.write(" "), 50);
      const closed = await new Promise<boolean>((resolve) => {
        const cap = setTimeout(() => resolve(false), 5000);
        s.once("close", () => {
          clearTimeout(cap);
          resolve(true);
        });
      });
      clearInterval(trickle);
      s.destroy();
      assert.ok(closed, `connection still open after 5 s; got ${JSON.stringify(data)}`);
      assert.match(data, /^HTTP\/1\.1 408/);
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await server.stop();
    }
  });

  it("knows which hosts are loopback", () => {
    for (const h of [
      "127.0.0.1",
      "127.1.2.3",
      "localhost",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
      "0:0:0:0:0:0:0:1",
    ])
      assert.equal(isLoopbackHost(h), true, h);
    for (const h of ["0.0.0.0", "::", "192.168.1.2", "example.com", "10.0.0.1", "::ffff:10.0.0.1"])
      assert.equal(isLoopbackHost(h), false, h);
  });
});

describe("credentials in HF_ENDPOINT are never printed (issue 15, item 10)", () => {
  it("serve and rank errors show the endpoint redacted, also with --verbose", async () => {
    const port = await closedPort();
    const env = { HF_ENDPOINT: `http://hfuser:s3cretPass@127.0.0.1:${port}`, HF_HUB_OFFLINE: undefined };
    const cacheDir = mkdtempSync(join(tmpdir(), "rerankers-redact-"));
    tmp.push(cacheDir);
    for (const args of [
      ["serve", "-m", "org/model", "-t", "cross-encoder", "--port", "0", "--cache-dir", cacheDir],
      ["rank", "-m", "org/model", "-t", "cross-encoder", "-q", "q", "--cache-dir", cacheDir, "--verbose"],
    ]) {
      const r = await runCli(args, { env, input: '"doc"\n', timeoutMs: 60_000 });
      assert.equal(r.code, 4, r.stderr);
      assert.doesNotMatch(r.stderr + r.stdout, /s3cretPass|hfuser/);
      // The endpoint is named (with its credentials redacted or dropped) so the user can tell what failed.
      assert.match(r.stderr, new RegExp(`http://(\\*\\*\\*@)?127\\.0\\.0\\.1:${port}/org/model`));
    }
  });

  it("redactUrl removes userinfo and secret query values, leaving the rest", () => {
    assert.equal(redactUrl("https://user:pa:ss@hf.example/x?a=1"), "https://***@hf.example/x?a=1");
    assert.equal(redactUrl("https://u@h/p@q"), "https://***@h/p@q");
    assert.equal(redactUrl("https://h/x?token=abc&b=2&api_key=k"), "https://h/x?token=***&b=2&api_key=***");
    assert.equal(redactUrl("https://huggingface.co/org/m"), "https://huggingface.co/org/m");
    assert.equal(
      redactUrls(
        "cannot reach http://a:b@h:1/x: Request failed for http://a:b@h:1/x, see https://ok.example",
      ),
      "cannot reach http://***@h:1/x: Request failed for http://***@h:1/x, see https://ok.example",
    );
  });
});
