import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ModelFilesError } from "../src/core/errors.js";
import "../src/core/families.js";
import { Reranker } from "../src/core/reranker.js";
import { unpackZip } from "../src/engine/zip.js";
import { runCli } from "./helpers/cli.js";
import { fixturePath } from "./helpers/fixtures.js";
import { buildZip, type TestEntry, zeroBomb } from "./helpers/zip-builder.js";

const FOLDER = fixturePath("tiny-flashrank", "ms-marco-TinyBERT-L-2-v2");
const tmp: string[] = [];
after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "rerankers-zip-"));
  tmp.push(d);
  return d;
}

function writeZip(entries: readonly TestEntry[], options?: { zip64?: boolean }, file = "a.zip"): string {
  const path = join(tempDir(), file);
  writeFileSync(path, buildZip(entries, options));
  return path;
}

/** The real FlashRank fixture's files as zip entries under `top/`. */
function fixtureEntries(top = "ms-marco-TinyBERT-L-2-v2"): TestEntry[] {
  return readdirSync(FOLDER).map((f) => ({
    name: `${top}/${f}`,
    data: readFileSync(join(FOLDER, f)),
    deflate: true,
  }));
}

/** Assert a typed, one-line exit-3 error whose message matches, and that nothing was left in `parent`. */
async function rejectsTyped(p: Promise<unknown>, pattern: RegExp, parent?: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ModelFilesError, `expected ModelFilesError, got ${String(e)}`);
    assert.equal(e.exitCode, 3);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, pattern);
    return true;
  });
  if (parent) assert.deepEqual(existsSync(parent) ? readdirSync(parent) : [], [], "no partial output left");
}

describe("zip bombs and size caps (issue 15, item 4)", () => {
  test("the reported bomb shape (1 GiB of zeros in a ~1 MB zip) is refused by the default caps before writing", async () => {
    const bomb = zeroBomb(1024, false);
    const zip = writeZip([{ name: "m/model.onnx", raw: bomb }]);
    assert.ok(statSync(zip).size < 1.5e6, "the archive is small");
    const out = join(tempDir(), "out");
    const t0 = Date.now();
    await rejectsTyped(unpackZip(zip, join(out, "m")), /expands \d+:1, more than the limit of 100:1/, out);
    assert.ok(Date.now() - t0 < 2000, "refused from the central directory, nothing inflated");
  });

  test("a bomb that lies about its size stops at the declared size (small and streamed paths)", async () => {
    for (const declaredSize of [1000, 3 * 1024 * 1024]) {
      const zip = writeZip([{ name: "m/model.onnx", raw: zeroBomb(64, false), declaredSize }]);
      const out = join(tempDir(), "out");
      await rejectsTyped(
        unpackZip(zip, join(out, "m"), { limits: { maxRatio: 10_000 } }),
        new RegExp(`unpacks to more than its declared ${declaredSize} bytes`),
        out,
      );
    }
  });

  test("total, per-entry and entry-count caps are enforced and can be raised", async () => {
    const mib = (n: number) => new Uint8Array(n * 1024 * 1024);
    const zip = writeZip([
      { name: "a", data: mib(3) },
      { name: "b", data: mib(3) },
      { name: "c", data: new Uint8Array(10) },
    ]);
    const out = join(tempDir(), "out");
    await rejectsTyped(
      unpackZip(zip, join(out, "x"), { limits: { maxTotalBytes: 5 * 1024 * 1024 } }),
      /unpacks to more than the limit of 5242880 bytes.*zipMaxTotalBytes/,
      out,
    );
    await rejectsTyped(
      unpackZip(zip, join(out, "x"), { limits: { maxEntryBytes: 2 * 1024 * 1024 } }),
      /entry "a" unpacks to 3145728 bytes, more than the limit of 2097152/,
      out,
    );
    await rejectsTyped(
      unpackZip(zip, join(out, "x"), { limits: { maxEntries: 2 } }),
      /has 3 entries, more than the limit of 2/,
      out,
    );
    const ok = await unpackZip(zip, join(out, "x"), {
      limits: { maxTotalBytes: 7 * 1024 * 1024, maxEntryBytes: 3 * 1024 * 1024, maxEntries: 3 },
    });
    assert.equal(statSync(join(ok, "b")).size, 3 * 1024 * 1024);
  });

  test("large entries are streamed to disk: a 64 MiB entry unpacks without 64 MiB of extra memory", async () => {
    const bomb = zeroBomb(64);
    const zip = writeZip([{ name: "m/big.bin", raw: bomb }]);
    const out = join(tempDir(), "out", "m");
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    try {
      await unpackZip(zip, out, { limits: { maxRatio: 2000 } });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal(statSync(join(out, "big.bin")).size, 64 * 1024 * 1024);
    assert.ok(peak - base < 32 * 1024 * 1024, `RSS grew by ${((peak - base) / 1e6).toFixed(1)} MB`);
  });

  test("a streamed (over 1 MiB) deflated entry round-trips byte for byte", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const zip = writeZip([{ name: "top/r.bin", data, deflate: true }]);
    const out = await unpackZip(zip, join(tempDir(), "r"));
    assert.ok(readFileSync(join(out, "r.bin")).equals(data));
  });

  test("a bomb passed to the flashrank ranker is a one-line exit-3 error naming the options to raise", async () => {
    const zip = writeZip(
      [...fixtureEntries("m"), { name: "m/pad.bin", raw: zeroBomb(16, false) }],
      {},
      "m.zip",
    );
    await rejectsTyped(
      Reranker(zip, { modelType: "flashrank", cacheDir: tempDir() }),
      /expands .* zipMaxTotalBytes, zipMaxEntryBytes, zipMaxEntries or zipMaxRatio/,
    );
    await rejectsTyped(
      Reranker(zip, { modelType: "flashrank", cacheDir: tempDir(), zipMaxEntryBytes: 1024 }),
      /more than the limit of 1024/,
    );
  });
});

describe("zip structure edge cases (issue 15, item 9)", () => {
  test("zip64 with 65,537 entries: the count comes from the zip64 end record, no false CRC mismatch", async () => {
    // Folder entries keep the test fast (nothing to write); the files come last, past entry 65,535.
    const n = 65_537;
    const entries: TestEntry[] = Array.from({ length: n - 3 }, (_, i) => ({ name: `m/d${i}/` }));
    for (const f of ["a", "b", "c"]) entries.push({ name: `m/${f}.txt`, data: Buffer.from(`file ${f}`) });
    const zip = writeZip(entries, { zip64: true });
    const out = join(tempDir(), "out", "m");
    await rejectsTyped(unpackZip(zip, out), /has 65537 entries, more than the limit of 10000/);
    await unpackZip(zip, out, { limits: { maxEntries: n } });
    assert.deepEqual(readdirSync(out).sort(), ["a.txt", "b.txt", "c.txt"]);
    assert.equal(readFileSync(join(out, "c.txt"), "utf8"), "file c");
  });

  test("a 16-bit end record that disagrees with the central directory is refused", async () => {
    const zip = buildZip([{ name: "a", data: new Uint8Array(1) }, { name: "b" }]);
    zip.writeUInt16LE(3, zip.length - 22 + 10); // claims 3 entries
    const path = join(tempDir(), "c.zip");
    writeFileSync(path, zip);
    await rejectsTyped(unpackZip(path, join(tempDir(), "o")), /holds 2 entries but the end record says 3/);
  });

  test("duplicate entry names are refused (exactly and differing only in case)", async () => {
    for (const [a, b] of [
      ["m/tokenizer.json", "m/tokenizer.json"],
      ["m/Model.onnx", "m/model.onnx"],
    ]) {
      const zip = writeZip([
        { name: a, data: Buffer.from("1") },
        { name: b, data: Buffer.from("2") },
      ]);
      const out = join(tempDir(), "out");
      await rejectsTyped(unpackZip(zip, join(out, "m")), /contains the entry .* twice/, out);
    }
  });

  test("a name that is both a file and a folder (was EEXIST/ENOTDIR, exit 1) is a typed error", async () => {
    const zip = writeZip([
      { name: "m/a", data: Buffer.from("1") },
      { name: "m/a/b", data: Buffer.from("2") },
    ]);
    await rejectsTyped(unpackZip(zip, join(tempDir(), "m")), /"m\/a" is both a file and a folder/);
  });

  test("an overlong name component (was ENAMETOOLONG, exit 1) is a typed error", async () => {
    const zip = writeZip([{ name: `m/${"x".repeat(300)}.json`, data: Buffer.from("1") }]);
    await rejectsTyped(unpackZip(zip, join(tempDir(), "m")), /path component longer than 255 bytes/);
  });

  test("a path longer than the OS allows (each part short) is a typed exit-3 error, not 'unexpected error'", async () => {
    const zip = writeZip([{ name: `m/${"abcdefgh/".repeat(600)}x`, data: Buffer.from("1") }]);
    const out = join(tempDir(), "out");
    await rejectsTyped(
      unpackZip(zip, join(out, "m")),
      /^cannot unpack \S+a\.zip \(entry "m\/abcdefgh\/.{100,}…"\): (mkdir|open) failed with ENAMETOOLONG$/,
      out,
    );
  });

  test("unsafe names are refused", async () => {
    for (const name of ["../evil", "/abs", "C:/x", "a/./b", "a//b", "a\\..\\b"]) {
      const zip = writeZip([{ name, data: Buffer.from("1") }]);
      await rejectsTyped(
        unpackZip(zip, join(tempDir(), "m")),
        /the entry .* (absolute|\.\.|empty|contains \.)/,
      );
    }
  });

  test("the CLI exits 3 with one line for a file/folder clash and an overlong name", async () => {
    for (const extra of [
      [{ name: "m/config.json/x", data: Buffer.from("1") }],
      [{ name: `m/${"y".repeat(260)}`, data: Buffer.from("1") }],
    ]) {
      const zip = writeZip([...fixtureEntries("m"), ...extra], {}, "m.zip");
      const r = await runCli(["rank", "-m", zip, "-t", "flashrank", "-q", "q", "--cache-dir", tempDir()], {
        input: '"doc one"\n',
        timeoutMs: 30_000,
      });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /unexpected error/);
    }
  });
});
