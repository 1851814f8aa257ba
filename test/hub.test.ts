import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { AbortedError, InvalidInputError, ModelFilesError, NetworkError } from "../src/core/errors.js";
import { downloadFile, isLocalPath, resolveModelDir } from "../src/engine/hub.js";
import { hubCacheDir } from "../src/engine/hub-config.js";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";

const run = promisify(execFile);
const REPO = "org/tiny-bert";
const TINY = fixturePath("tiny-bert-cross-encoder");
const MONOBERT = fixturePath("tiny-monobert");
const FILES = {
  required: ["config.json", "tokenizer.json", ["onnx/model_quantized.onnx", "onnx/model.onnx"]],
  optional: ["tokenizer_config.json", "special_tokens_map.json", "generation_config.json"],
};
const HF_VARS = [
  "HF_ENDPOINT",
  "HF_TOKEN",
  "HUGGING_FACE_HUB_TOKEN",
  "HF_HUB_OFFLINE",
  "HF_HUB_CACHE",
  "HF_HOME",
];

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const gitSha1 = (data: Buffer) =>
  createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");

/** Every file under `dir`, relative, links included. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

let hub: MockHub;
let cacheDir: string;
const savedEnv: Record<string, string | undefined> = {};
const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rerankers-hub-"));
  tempDirs.push(dir);
  return dir;
}

before(async () => {
  for (const name of HF_VARS) {
    savedEnv[name] = process.env[name];
    delete process.env[name];
  }
  hub = await startMockHub({
    repos: {
      [REPO]: { main: TINY, v1: MONOBERT, "refs/pr/1": MONOBERT },
      "flashrank/archives": fixturePath("tiny-flashrank"),
    },
  });
});

after(async () => {
  await hub.close();
  for (const name of HF_VARS) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  // Keep a developer's `huggingface-cli login` token out of these requests.
  process.env.HF_TOKEN_PATH = join(tmpdir(), "rerankers-no-such-token");
  cacheDir = tempDir();
  hub.requests.length = 0;
  hub.outage = undefined;
});

afterEach(() => {
  for (const name of HF_VARS) delete process.env[name];
});

describe("resolveModelDir from the Hub", () => {
  test("downloads into the huggingface_hub cache layout", async () => {
    const dir = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    const commit = hub.commitOf(REPO);
    const repoDir = join(cacheDir, "models--org--tiny-bert");
    assert.equal(dir, join(repoDir, "snapshots", commit));
    assert.equal(readFileSync(join(repoDir, "refs", "main"), "utf8"), commit);

    // LFS file: blob named by its sha256, reached through a relative symlink.
    const onnx = readFileSync(join(TINY, "onnx/model.onnx"));
    assert.equal(readlinkSync(join(dir, "onnx/model.onnx")), `../../../blobs/${sha256(onnx)}`);
    assert.deepEqual(readFileSync(join(dir, "onnx/model.onnx")), onnx);
    // Regular git file: blob named by the git sha1 (weak ETag normalised).
    const config = readFileSync(join(TINY, "config.json"));
    assert.equal(readlinkSync(join(dir, "config.json")), `../../blobs/${gitSha1(config)}`);
    for (const name of [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "special_tokens_map.json",
    ]) {
      assert.ok(lstatSync(join(dir, name)).isSymbolicLink(), name);
      assert.deepEqual(readFileSync(join(dir, name)), readFileSync(join(TINY, name)), name);
    }
    // Absent array candidate and absent optional file: .no_exist markers, no snapshot entry.
    assert.equal(statSync(join(repoDir, ".no_exist", commit, "onnx/model_quantized.onnx")).size, 0);
    assert.equal(statSync(join(repoDir, ".no_exist", commit, "generation_config.json")).size, 0);
    assert.equal(existsSync(join(dir, "generation_config.json")), false);
    // Nothing half-written is left behind.
    assert.deepEqual(
      listFiles(cacheDir).filter((f) => /\.(incomplete|tmp|lock)$/.test(f)),
      [],
    );
    // The token-less download never sent an Authorization header; the big file went through the CDN redirect.
    assert.ok(hub.requests.every((r) => r.authorization === undefined));
    assert.equal(hub.count("/cdn/", "GET"), 1);
  });

  test("a second call only asks for the commit; a cached commit needs no HTTP at all", async () => {
    await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    hub.requests.length = 0;
    const dir = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    assert.deepEqual(
      hub.requests.map((r) => `${r.method} ${r.path}`),
      [`HEAD /${REPO}/resolve/main/config.json`],
    );
    hub.requests.length = 0;
    const pinned = await resolveModelDir(REPO, FILES, {
      endpoint: hub.url,
      cacheDir,
      revision: hub.commitOf(REPO),
    });
    assert.equal(pinned, dir);
    assert.equal(hub.requests.length, 0);
  });

  test("pins a tag, a slash-named ref or a commit", async () => {
    const v1 = hub.commitOf(REPO, "v1");
    const dir = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir, revision: "v1" });
    assert.equal(dir, join(cacheDir, "models--org--tiny-bert", "snapshots", v1));
    assert.deepEqual(readFileSync(join(dir, "config.json")), readFileSync(join(MONOBERT, "config.json")));
    assert.equal(readFileSync(join(cacheDir, "models--org--tiny-bert", "refs", "v1"), "utf8"), v1);
    assert.equal(hub.requests[0].path, `/${REPO}/resolve/v1/config.json`);
    // Every later request asks for the resolved commit, so the snapshot cannot mix two commits.
    assert.ok(
      hub.requests.slice(1).every((r) => r.path.startsWith("/cdn/") || r.path.includes(`/resolve/${v1}/`)),
    );

    hub.requests.length = 0;
    const pr = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir, revision: "refs/pr/1" });
    assert.equal(hub.requests[0].path, `/${REPO}/resolve/refs%2Fpr%2F1/config.json`);
    const prCommit = hub.commitOf(REPO, "refs/pr/1");
    assert.equal(
      readFileSync(join(cacheDir, "models--org--tiny-bert", "refs", "refs", "pr", "1"), "utf8"),
      prCommit,
    );
    assert.equal(pr, join(cacheDir, "models--org--tiny-bert", "snapshots", prCommit));
    // Same content as v1: the blobs are shared, nothing is downloaded twice.
    assert.equal(hub.requests.filter((r) => r.method === "GET").length, 0);

    const fresh = tempDir();
    const byCommit = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir: fresh, revision: v1 });
    assert.equal(byCommit, join(fresh, "models--org--tiny-bert", "snapshots", v1));
    assert.equal(existsSync(join(fresh, "models--org--tiny-bert", "refs")), false);
  });

  test("follows the Hub's relative redirects (resolve-cache, renamed repos) for metadata", async () => {
    const redirecting = await startMockHub({ repos: { [REPO]: TINY }, relativeRedirects: true });
    try {
      const dir = await resolveModelDir(REPO, FILES, { endpoint: redirecting.url, cacheDir });
      assert.equal(dir, join(cacheDir, "models--org--tiny-bert", "snapshots", redirecting.commitOf(REPO)));
      assert.deepEqual(readFileSync(join(dir, "config.json")), readFileSync(join(TINY, "config.json")));
      assert.ok(redirecting.count("/api/resolve-cache/", "HEAD") >= 1);
    } finally {
      await redirecting.close();
    }
  });

  test("an aborted signal stops before any download", async () => {
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir, signal: AbortSignal.abort() }),
      AbortedError,
    );
    assert.equal(hub.count("/cdn/"), 0);
  });

  test("a revision that would leave the cache folder is refused", async () => {
    for (const revision of ["../../escape", "a//b", ""]) {
      await assert.rejects(
        resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir, revision }),
        InvalidInputError,
        revision,
      );
    }
    assert.equal(hub.requests.length, 0);
  });

  test("an unknown revision is a ModelFilesError", async () => {
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir, revision: "v9" }),
      (e: unknown) =>
        e instanceof ModelFilesError && /revision not found/.test(e.message) && /v9/.test(e.message),
    );
  });

  test("a missing required file names the repo, the revision and the file", async () => {
    await assert.rejects(
      resolveModelDir(
        REPO,
        { required: ["config.json", "onnx/encoder_model.onnx"] },
        { endpoint: hub.url, cacheDir },
      ),
      (e: unknown) =>
        e instanceof ModelFilesError &&
        e.exitCode === 3 &&
        e.message.includes(`${REPO}@main`) &&
        e.message.includes("onnx/encoder_model.onnx"),
    );
    await assert.rejects(
      resolveModelDir(
        REPO,
        { required: [["a.onnx", "b.onnx"]] },
        { endpoint: hub.url, cacheDir, revision: "v1" },
      ),
      (e: unknown) =>
        e instanceof ModelFilesError && /v1/.test(e.message) && /a\.onnx, b\.onnx/.test(e.message),
    );
  });

  test("an absent optional file leaves a .no_exist marker and is not asked for again", async () => {
    await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    assert.equal(hub.count("generation_config.json", "HEAD"), 1);
    hub.requests.length = 0;
    await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    assert.equal(hub.count("generation_config.json"), 0);
    assert.equal(hub.count("model_quantized.onnx"), 0);
  });
});

describe("offline and unreachable Hub", () => {
  test("offline: resolves from the cache without any request", async () => {
    const online = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    hub.requests.length = 0;
    assert.equal(await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir, offline: true }), online);
    process.env.HF_HUB_OFFLINE = "1";
    assert.equal(await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir }), online);
    assert.equal(hub.requests.length, 0);
  });

  test("offline: a file or revision that is not cached is named in the error", async () => {
    await resolveModelDir(REPO, { required: ["config.json"] }, { endpoint: hub.url, cacheDir });
    hub.requests.length = 0;
    await assert.rejects(
      resolveModelDir(REPO, { required: ["config.json", "tokenizer.json"] }, { cacheDir, offline: true }),
      (e: unknown) =>
        e instanceof ModelFilesError && /offline/.test(e.message) && /tokenizer\.json/.test(e.message),
    );
    await assert.rejects(
      resolveModelDir(REPO, FILES, { cacheDir, offline: true, revision: "v1" }),
      (e: unknown) => e instanceof ModelFilesError && e.message.includes(`${REPO}@v1`),
    );
    assert.equal(hub.requests.length, 0);
  });

  test("when the Hub cannot be reached, a complete cached snapshot is used; otherwise NetworkError", async () => {
    const online = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    hub.outage = "reset";
    assert.equal(await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir }), online);
    hub.outage = 503;
    assert.equal(await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir }), online);
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir: tempDir() }),
      (e: unknown) => e instanceof NetworkError && e.exitCode === 4 && e.status === 503,
    );
    hub.outage = "reset";
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir: tempDir() }),
      (e: unknown) => e instanceof NetworkError && e.message.includes(hub.url),
    );
  });
});

describe("downloads are resumable, atomic and safe to run concurrently", () => {
  test("a connection dropped mid-body is resumed with a Range request", async () => {
    hub.dropNext({ path: "/cdn/", afterBytes: 100_000 });
    const dir = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    assert.deepEqual(readFileSync(join(dir, "onnx/model.onnx")), readFileSync(join(TINY, "onnx/model.onnx")));
    const cdn = hub.requests.filter((r) => r.path.startsWith("/cdn/"));
    assert.deepEqual(
      cdn.map((r) => r.status),
      [200, 206],
    );
    // The client continues from what it had written (at most the 100 000 bytes sent before the drop).
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdn[1].range ?? "")?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 100_000, String(cdn[1].range));
  });

  test("a failed download leaves no visible file; the next call continues from the .incomplete part", async () => {
    hub.dropNext({ path: "/cdn/", afterBytes: 100_000, times: 3 });
    await assert.rejects(
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir }),
      (e: unknown) => e instanceof NetworkError && /cut off/.test(e.message),
    );
    const commit = hub.commitOf(REPO);
    const repoDir = join(cacheDir, "models--org--tiny-bert");
    const onnx = readFileSync(join(TINY, "onnx/model.onnx"));
    const blob = join(repoDir, "blobs", sha256(onnx));
    assert.equal(existsSync(join(repoDir, "snapshots", commit, "onnx/model.onnx")), false);
    assert.equal(existsSync(blob), false);
    const partial = statSync(`${blob}.incomplete`).size;
    assert.ok(partial > 0 && partial <= 300_000, String(partial));
    // The three attempts each continued where the previous one stopped.
    assert.deepEqual(
      hub.requests.filter((r) => r.path.startsWith("/cdn/")).map((r) => r.range === undefined),
      [true, false, false],
    );

    hub.requests.length = 0;
    const dir = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    assert.deepEqual(readFileSync(join(dir, "onnx/model.onnx")), onnx);
    assert.deepEqual(
      hub.requests.filter((r) => r.path.startsWith("/cdn/")).map((r) => r.range),
      [`bytes=${partial}-`],
    );
    assert.equal(existsSync(`${blob}.incomplete`), false);
  });

  test("a stale .incomplete part that does not match the file is downloaded again from scratch", async () => {
    const onnx = readFileSync(join(TINY, "onnx/model.onnx"));
    const blob = join(cacheDir, "models--org--tiny-bert", "blobs", sha256(onnx));
    mkdirSync(dirname(blob), { recursive: true });
    writeFileSync(`${blob}.incomplete`, Buffer.alloc(1000, 7));
    const dir = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    assert.deepEqual(readFileSync(join(dir, "onnx/model.onnx")), onnx);
    assert.deepEqual(
      hub.requests.filter((r) => r.path.startsWith("/cdn/")).map((r) => r.range),
      ["bytes=1000-", undefined],
    );
  });

  test("two processes downloading into one cache share one download per blob", {
    timeout: 60_000,
  }, async () => {
    const slow = await startMockHub({ repos: { [REPO]: TINY }, cdnDelayMs: 300 });
    const script = [
      `import { resolveModelDir } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, "src/engine/hub.ts")).href)};`,
      `const dir = await resolveModelDir(${JSON.stringify(REPO)}, ${JSON.stringify(FILES)},`,
      `  { endpoint: ${JSON.stringify(slow.url)}, cacheDir: ${JSON.stringify(cacheDir)} });`,
      "process.stdout.write(dir);",
    ].join("\n");
    const child = () =>
      run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: REPO_ROOT,
        timeout: 50_000,
      });
    try {
      const [a, b] = await Promise.all([child(), child()]);
      assert.equal(a.stdout, b.stdout);
      assert.deepEqual(
        readFileSync(join(a.stdout, "onnx/model.onnx")),
        readFileSync(join(TINY, "onnx/model.onnx")),
      );
      assert.equal(slow.count("/cdn/", "GET"), 1);
      assert.equal(slow.count("tokenizer.json", "GET"), 1);
    } finally {
      await slow.close();
    }
  });

  test("a lock left by Python's filelock (empty) or by a dead process does not block", async () => {
    const onnx = readFileSync(join(TINY, "onnx/model.onnx"));
    const config = readFileSync(join(TINY, "config.json"));
    const locks = join(cacheDir, ".locks", "models--org--tiny-bert");
    mkdirSync(locks, { recursive: true });
    writeFileSync(join(locks, `${sha256(onnx)}.lock`), "");
    writeFileSync(join(locks, `${gitSha1(config)}.lock`), `2147483646 ${hostname()}\n`);
    const started = Date.now();
    const dir = await resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir });
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(readFileSync(join(dir, "onnx/model.onnx")), onnx);
    assert.deepEqual(readdirSync(locks), []);
  });

  test("two concurrent resolutions share one download per blob", async () => {
    const [a, b] = await Promise.all([
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir }),
      resolveModelDir(REPO, FILES, { endpoint: hub.url, cacheDir }),
    ]);
    assert.equal(a, b);
    assert.equal(hub.count("/cdn/", "GET"), 1);
    assert.equal(hub.count("tokenizer.json", "GET"), 1);
    assert.deepEqual(readFileSync(join(a, "onnx/model.onnx")), readFileSync(join(TINY, "onnx/model.onnx")));
  });
});

describe("endpoint and token", () => {
  test("the token goes to the Hub as a Bearer header, never to the CDN, and never into errors", async () => {
    const secret = "hf_SECRETtoken123";
    const gated = await startMockHub({ repos: { [REPO]: TINY }, token: secret });
    try {
      await assert.rejects(
        resolveModelDir(REPO, FILES, { endpoint: gated.url, cacheDir }),
        (e: unknown) => e instanceof NetworkError && e.status === 401 && /HF_TOKEN/.test(e.message),
      );
      await assert.rejects(
        resolveModelDir(REPO, FILES, { endpoint: gated.url, cacheDir, token: "hf_wrongWRONG" }),
        (e: unknown) => e instanceof NetworkError && !(e.message + String(e.stack)).includes("hf_wrongWRONG"),
      );
      gated.requests.length = 0;
      const dir = await resolveModelDir(REPO, FILES, { endpoint: gated.url, cacheDir, token: secret });
      assert.ok(existsSync(join(dir, "onnx/model.onnx")));
      for (const r of gated.requests) {
        assert.equal(r.authorization, r.path.startsWith("/cdn/") ? undefined : `Bearer ${secret}`, r.path);
      }
      process.env.HF_TOKEN = secret;
      const fresh = tempDir();
      await resolveModelDir(REPO, FILES, { endpoint: gated.url, cacheDir: fresh });
    } finally {
      await gated.close();
    }
  });

  test("HF_ENDPOINT and HF_HUB_CACHE are honoured", async () => {
    process.env.HF_ENDPOINT = `${hub.url}/`;
    process.env.HF_HUB_CACHE = cacheDir;
    const dir = await resolveModelDir(REPO, FILES);
    assert.equal(dir, join(cacheDir, "models--org--tiny-bert", "snapshots", hub.commitOf(REPO)));
    assert.ok(hub.count(`/${REPO}/resolve/main/config.json`, "HEAD") === 1);
  });

  test("cache folder precedence: option > HF_HUB_CACHE > HF_HOME > XDG_CACHE_HOME > ~/.cache", () => {
    const env = { HF_HUB_CACHE: "/a", HF_HOME: "/b", XDG_CACHE_HOME: "/c" };
    assert.equal(hubCacheDir("/opt", env), "/opt");
    assert.equal(hubCacheDir(undefined, env), "/a");
    assert.equal(hubCacheDir(undefined, { HF_HOME: "/b", XDG_CACHE_HOME: "/c" }), join("/b", "hub"));
    assert.equal(hubCacheDir(undefined, { XDG_CACHE_HOME: "/c" }), join("/c", "huggingface", "hub"));
    assert.match(hubCacheDir(undefined, {}), /\.cache[\\/]huggingface[\\/]hub$/);
  });
});

describe("local folders", () => {
  test("paths are local, Hub ids are not", () => {
    for (const path of ["./model", "../model", "/opt/model", "~/model", ".", TINY])
      assert.ok(isLocalPath(path), path);
    for (const id of ["cross-encoder/ms-marco-MiniLM-L-6-v2", "bert-base-uncased"])
      assert.ok(!isLocalPath(id), id);
  });

  test("an existing folder is returned as is without HTTP; a missing one is named", async () => {
    assert.equal(await resolveModelDir(TINY, FILES, { endpoint: hub.url, cacheDir }), TINY);
    assert.equal(hub.requests.length, 0);
    await assert.rejects(
      resolveModelDir("./no/such/model-folder", FILES),
      (e: unknown) => e instanceof ModelFilesError && e.message.includes("./no/such/model-folder"),
    );
    await assert.rejects(resolveModelDir("not a hub id", FILES), ModelFilesError);
  });
});

describe("downloadFile", () => {
  const zip = readFileSync(fixturePath("tiny-flashrank", "ms-marco-TinyBERT-L-2-v2.zip"));
  const zipUrl = () => `${hub.url}/flashrank/archives/resolve/main/ms-marco-TinyBERT-L-2-v2.zip`;

  test("caches an archive by URL, checks its sha256 and is not fetched again", async () => {
    const path = await downloadFile(zipUrl(), { cacheDir, sha256: sha256(zip) });
    assert.ok(path.startsWith(join(cacheDir, "rerankers", "downloads")));
    assert.ok(path.endsWith("ms-marco-TinyBERT-L-2-v2.zip"));
    assert.deepEqual(readFileSync(path), zip);
    hub.requests.length = 0;
    assert.equal(await downloadFile(zipUrl(), { cacheDir }), path);
    assert.equal(await downloadFile(zipUrl(), { cacheDir, offline: true }), path);
    assert.equal(hub.requests.length, 0);
  });

  test("a sha256 mismatch is a ModelFilesError and leaves nothing behind", async () => {
    await assert.rejects(
      downloadFile(zipUrl(), { cacheDir, sha256: "0".repeat(64) }),
      (e: unknown) => e instanceof ModelFilesError && /sha256/.test(e.message),
    );
    assert.deepEqual(listFiles(cacheDir), []);
  });

  test("offline and not cached is a ModelFilesError naming the URL", async () => {
    await assert.rejects(
      downloadFile(zipUrl(), { cacheDir, offline: true }),
      (e: unknown) => e instanceof ModelFilesError && e.message.includes(zipUrl()),
    );
    assert.equal(hub.requests.length, 0);
  });
});
