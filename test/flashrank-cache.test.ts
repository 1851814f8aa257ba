import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ModelFilesError } from "../src/core/errors.js";
import "../src/core/families.js";
import { Reranker } from "../src/core/reranker.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath, readReference } from "./helpers/fixtures.js";

const NAME = "ms-marco-TinyBERT-L-2-v2";
const GOOD = readFileSync(fixturePath("tiny-flashrank", `${NAME}.zip`));
const CASE = readReference("tiny-flashrank").cases[0] as {
  query: string;
  docs: { text: string }[];
  ranking: number[];
};

/** A FlashRank archive host whose answer the test switches: the good zip, a truncated one, or a corrupt one. */
let serving: Buffer = GOOD;
let gets = 0;
let server: Server;
let baseUrl: string;
const tmp: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    if (req.url !== `/${NAME}.zip`) {
      res.writeHead(404).end();
      return;
    }
    gets++;
    res.writeHead(200, { "content-type": "application/zip", "content-length": serving.length }).end(serving);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rerankers-frc-"));
  tmp.push(d);
  return d;
}

/** Every file under the download cache (the zip must not survive a failed unpack). */
function cachedDownloads(cacheDir: string): string[] {
  const root = join(cacheDir, "rerankers", "downloads");
  return existsSync(root)
    ? readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
    : [];
}

test("a truncated download is removed from the cache, the error says how to recover, and the next run re-downloads", async () => {
  const cacheDir = tempDir();
  for (const bad of [GOOD.subarray(0, GOOD.length >> 1), Buffer.from(GOOD).fill(0, 200, 400)]) {
    serving = bad;
    gets = 0;
    await assert.rejects(Reranker(NAME, { modelType: "flashrank", cacheDir, baseUrl }), (e: unknown) => {
      assert.ok(e instanceof ModelFilesError);
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /not a valid zip archive/);
      assert.match(e.message, /removed from the cache, run again to download it afresh/);
      return true;
    });
    assert.equal(gets, 1);
    assert.deepEqual(cachedDownloads(cacheDir), [], "the bad archive is not kept");
    assert.ok(!existsSync(join(cacheDir, "rerankers", "flashrank", NAME)), "no unpacked folder");
  }
  serving = GOOD;
  gets = 0;
  const r = await Reranker(NAME, { modelType: "flashrank", cacheDir, baseUrl });
  try {
    const res = await r.rank(
      CASE.query,
      CASE.docs.map((d) => d.text),
    );
    assert.deepEqual(
      [...res].map((x) => x.docId),
      CASE.ranking,
    );
  } finally {
    await r.close();
  }
  assert.equal(gets, 1, "downloaded afresh once");
});

test("the CLI: exit 3 with the recovery hint, then success on the next run", async () => {
  const cacheDir = tempDir();
  const args = [
    "rank",
    "-m",
    NAME,
    "-t",
    "flashrank",
    "-q",
    CASE.query,
    "--cache-dir",
    cacheDir,
    "--base-url",
    baseUrl,
    "--json",
  ];
  const input = `${CASE.docs.map((d) => JSON.stringify(d.text)).join("\n")}\n`;
  serving = GOOD.subarray(0, 5000);
  const bad = await runCli(args, { input, timeoutMs: 30_000 });
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /run again to download it afresh/);
  serving = GOOD;
  const good = await runCli(args, { input, timeoutMs: 30_000 });
  assert.equal(good.code, 0, good.stderr);
  assert.deepEqual(
    JSON.parse(good.stdout).results.map((x: { docId: number }) => x.docId),
    CASE.ranking,
  );
});
