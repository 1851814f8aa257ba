/**
 * Hub download hardening against the mock Hub (issue 15 items 1, 2, 7; issue 14 item 2): credentials only to the
 * Hub's own origin, timeouts for hosts that never answer, names from options and servers kept inside the cache,
 * and an actionable message when the Hub cannot be reached.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { InvalidInputError, ModelFilesError, NetworkError } from "../src/core/errors.js";
import { Reranker } from "../src/core/reranker.js";
import { downloadFile, resolveModelDir } from "../src/engine/hub.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";
import { writeExternalDataModel } from "./helpers/onnx-external.js";

const REPO = "org/tiny-bert";
const TINY = fixturePath("tiny-bert-cross-encoder");
const FILES = { required: ["config.json", "tokenizer.json", ["onnx/model.onnx"]] };
const ROOT = mkdtempSync(join(tmpdir(), "rerankers-hardening-"));
let n = 0;
const freshDir = () => {
  const dir = join(ROOT, `c${n++}`);
  mkdirSync(dir);
  return dir;
};
const hubs: MockHub[] = [];
const servers: Server[] = [];

after(async () => {
  rmSync(ROOT, { recursive: true, force: true });
});
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.close();
  for (const s of servers.splice(0)) {
    s.close();
  }
});

async function hubWith(options: Parameters<typeof startMockHub>[0]): Promise<MockHub> {
  const hub = await startMockHub(options);
  hubs.push(hub);
  return hub;
}

/** A TCP server that accepts connections and never answers; counts the requests sent to it. */
async function silentServer(): Promise<{ url: string; requests: () => number }> {
  let count = 0;
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    // Count requests (sockets that sent something), not connections a client may open ahead.
    socket.once("data", () => count++);
  });
  server.on("close", () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  servers.push(server);
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests: () => count };
}

describe("credentials go to the Hub's own origin only (issue 15.1)", () => {
  test("a protocol-relative Location (//other-host/…) is another origin: no Authorization is sent there", async () => {
    const hub = await hubWith({
      repos: { [REPO]: TINY },
      token: "hf_secret",
      cdnLocation: "protocol-relative",
    });
    const dir = await resolveModelDir(REPO, FILES, {
      endpoint: hub.url,
      token: "hf_secret",
      cacheDir: freshDir(),
    });
    assert.ok(readdirSync(join(dir, "onnx")).includes("model.onnx"));
    const cdn = hub.requests.filter((r) => r.server === "cdn");
    assert.ok(cdn.length > 0, "the LFS file came from the other origin");
    assert.deepEqual(
      cdn.map((r) => r.authorization),
      cdn.map(() => undefined),
    );
    // The Hub itself did get the token (it needs it).
    assert.ok(
      hub.requests.filter((r) => r.server === "hub").every((r) => r.authorization === "Bearer hf_secret"),
    );
  });

  test("a gated repo without a token: one line that says it is gated and what to do", async () => {
    const hub = await hubWith({ repos: { [REPO]: TINY }, token: "hf_secret" });
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir: freshDir() }),
      (e: unknown) =>
        e instanceof NetworkError &&
        e.status === 401 &&
        /gated/.test(e.message) &&
        /HF_TOKEN/.test(e.message),
    );
  });
});

describe("timeouts (issue 15.2)", () => {
  test("a Hub that accepts and never answers fails after the timeout with one clear line", async () => {
    const silent = await silentServer();
    const started = Date.now();
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: silent.url, cacheDir: freshDir(), timeoutMs: 300 }),
      (e: unknown) =>
        e instanceof NetworkError &&
        /^no answer from http:\/\/127\.0\.0\.1:\d+\/org\/tiny-bert\/resolve\/main\/config\.json within 0\.3 s \(HF_HUB_ETAG_TIMEOUT\)/.test(
          e.message,
        ) &&
        !e.message.includes("\n"),
    );
    assert.ok(Date.now() - started < 5000);
  });

  test("HF_HUB_DOWNLOAD_TIMEOUT bounds a FlashRank-style download, and a silent host is not retried", async () => {
    const silent = await silentServer();
    const saved = process.env.HF_HUB_DOWNLOAD_TIMEOUT;
    process.env.HF_HUB_DOWNLOAD_TIMEOUT = "0.3";
    try {
      await assert.rejects(
        downloadFile(`${silent.url}/flashrank/x.zip`, { cacheDir: freshDir() }),
        (e: unknown) =>
          e instanceof NetworkError && /within 0\.3 s \(HF_HUB_DOWNLOAD_TIMEOUT\)/.test(e.message),
      );
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_DOWNLOAD_TIMEOUT;
      else process.env.HF_HUB_DOWNLOAD_TIMEOUT = saved;
    }
    assert.equal(silent.requests(), 1);
  });

  test("a body that stops arriving is a NetworkError naming the stall", async () => {
    const hub = await hubWith({ repos: { [REPO]: TINY }, stallBody: { path: "/cdn/", afterBytes: 1000 } });
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir: freshDir(), timeoutMs: 300 }),
      (e: unknown) =>
        e instanceof NetworkError && /stalled: no data for 0\.3 s after 1000 bytes/.test(e.message),
    );
  });

  test("serve start-up goes through the same path: it exits 4 instead of hanging", async () => {
    const silent = await silentServer();
    const r = await runCli(["serve", "--model", REPO, "--port", "0", "--cache-dir", freshDir()], {
      env: { HF_ENDPOINT: silent.url, HF_HUB_ETAG_TIMEOUT: "0.5", HF_HUB_OFFLINE: undefined },
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no answer from .* within 0\.5 s/);
  });
});

describe("names from options and servers stay inside the cache (issue 15.7)", () => {
  test("onnxFile=../../../x.onnx is refused before any request; nothing is written", async () => {
    const hub = await hubWith({ repos: { [REPO]: TINY } });
    const cacheDir = freshDir();
    for (const onnxFile of ["../../../x.onnx", "/etc/x.onnx", "onnx/../../x.onnx", "a\\..\\x.onnx"]) {
      await assert.rejects(
        Reranker(REPO, { endpoint: hub.url, cacheDir, onnxFile }),
        (e: unknown) => e instanceof InvalidInputError && e.exitCode === 2,
        onnxFile,
      );
    }
    assert.equal(hub.requests.length, 0);
    assert.deepEqual(readdirSync(cacheDir), []);
    const cli = await runCli(["rank", "-m", REPO, "-q", "q", "--option", "onnxFile=../../../x.onnx"], {
      input: "a doc\n",
      env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir },
    });
    assert.equal(cli.code, 2, cli.stderr);
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  for (const etag of ["..", ".", ".hidden"]) {
    test(`an X-Linked-Etag of "${etag}" is refused; nothing is written outside blobs/`, async () => {
      const hub = await hubWith({ repos: { [REPO]: TINY }, linkedEtag: etag });
      const cacheDir = freshDir();
      await assert.rejects(
        resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir }),
        (e: unknown) => e instanceof NetworkError && /without valid X-Repo-Commit\/ETag/.test(e.message),
      );
      for (const f of readdirSync(cacheDir)) assert.ok([".locks", "models--org--tiny-bert"].includes(f), f);
      const repoDir = join(cacheDir, "models--org--tiny-bert");
      assert.ok(!readdirSync(repoDir, { recursive: true }).some((f) => String(f).includes("incomplete")));
      assert.equal(hub.count("/cdn/"), 0);
    });
  }

  test("an ONNX graph whose external data points outside its folder is refused", async () => {
    const repo = join(ROOT, "evil-repo");
    mkdirSync(join(repo, "onnx"), { recursive: true });
    for (const f of ["config.json", "tokenizer.json"]) symlinkSync(join(TINY, f), join(repo, f));
    writeExternalDataModel(
      join(TINY, "onnx", "model.onnx"),
      join(repo, "onnx", "model.onnx"),
      join(ROOT, "evil.bin"),
      "../../evil.bin",
    );
    const hub = await hubWith({ repos: { [REPO]: repo } });
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir: freshDir() }),
      (e: unknown) => e instanceof ModelFilesError && /external data outside its folder/.test(e.message),
    );
    assert.equal(hub.count("evil"), 0);
  });
});

describe("an unreachable Hub says what to do (issue 14.2)", () => {
  let saved: string | undefined;
  before(() => {
    saved = process.env.HF_HUB_OFFLINE;
    delete process.env.HF_HUB_OFFLINE;
  });
  after(() => {
    if (saved !== undefined) process.env.HF_HUB_OFFLINE = saved;
  });

  test("ENOTFOUND names HF_ENDPOINT, HF_HUB_OFFLINE=1 and --model ./folder on one line", async () => {
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: "http://no-such-host.invalid", cacheDir: freshDir() }),
      (e: unknown) =>
        e instanceof NetworkError &&
        e.exitCode === 4 &&
        /^cannot reach http:\/\/no-such-host\.invalid\/\S+: ENOTFOUND; /.test(e.message) &&
        e.message.includes("HF_ENDPOINT") &&
        e.message.includes("HF_HUB_OFFLINE=1") &&
        e.message.includes("--model ./folder") &&
        !e.message.includes("\n"),
    );
  });

  test("credentials in HF_ENDPOINT are not printed", async () => {
    await assert.rejects(
      resolveModelDir(REPO, FILES, {
        endpoint: "http://user:pa55@no-such-host.invalid",
        cacheDir: freshDir(),
      }),
      (e: unknown) =>
        e instanceof NetworkError && !e.message.includes("pa55") && !String(e.url).includes("pa55"),
    );
  });
});
