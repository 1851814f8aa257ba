/**
 * The package as its users get it: `npm pack` (which builds through `prepare`) in a copy of the sources, the
 * tarball unpacked into a fresh consumer project's node_modules, and the host packages linked from this
 * repository's node_modules (no network, no npm install). From that consumer: every entry point through
 * CommonJS `require()`, the three integration examples exactly as shipped in examples/, the adapters on a fixture
 * with its reference scores, and a type-check of the examples against the tarball's .d.ts files.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { FIXTURES, fixturePath, REPO_ROOT, readReference } from "./helpers/fixtures.js";

const run = promisify(execFile);
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
const MODEL = "tiny-bert-cross-encoder";
const CASE = readReference(MODEL).cases[0] as {
  query: string;
  docs: { text: string }[];
  scores: number[];
  ranking: number[];
};
const EXAMPLE_DOCS = [
  "Open Settings, choose Security and click Reset password.",
  "Invoices are emailed to the billing contact every month.",
  "Two-factor authentication adds a code from your phone.",
];
/** What a consumer installs beside rerankers to run every example (its own dependencies and peers come too). */
const CONSUMER_PACKAGES = ["ai", "@langchain/classic", "tsx", "typescript", "@types/node"];

let work: string;
let consumer: string;
let tarball: string;
let packed: { files: { path: string }[]; size: number; unpackedSize: number };
const timings: Record<string, number> = {};

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - start);
  }
}

/** `node <args>` in the consumer project. */
function inConsumer(args: string[], timeout = 120_000) {
  return run(process.execPath, args, { cwd: consumer, timeout, maxBuffer: 16 * 1024 * 1024 });
}

function link(name: string): void {
  const target = join(REPO_ROOT, "node_modules", name);
  if (!existsSync(target)) return; // an optional peer this checkout does not have
  const path = join(consumer, "node_modules", name);
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path, "dir");
}

before(
  async () => {
    work = mkdtempSync(join(tmpdir(), "rerankers-package-"));
    // A copy of what `npm pack` reads, so that its build never touches this checkout's dist/.
    const source = join(work, "source");
    mkdirSync(source);
    for (const file of new Set([
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "src",
      ...PKG.files,
    ])) {
      if (file !== "dist") cpSync(join(REPO_ROOT, file), join(source, file), { recursive: true });
    }
    symlinkSync(join(REPO_ROOT, "node_modules"), join(source, "node_modules"), "dir");
    const { stdout } = await timed("npm pack (with build)", () =>
      run("npm", ["pack", "--json", "--pack-destination", work], { cwd: source, timeout: 300_000 }),
    );
    packed = JSON.parse(stdout.slice(stdout.indexOf("[")))[0];
    tarball = join(work, (packed as unknown as { filename: string }).filename);

    consumer = join(work, "consumer");
    mkdirSync(join(consumer, "node_modules"), { recursive: true });
    writeFileSync(
      join(consumer, "package.json"),
      '{ "name": "consumer", "private": true, "type": "module" }\n',
    );
    await run("tar", ["-xzf", tarball, "-C", work], { timeout: 30_000 });
    renameSync(join(work, "package"), join(consumer, "node_modules", "rerankers"));
    for (const name of [
      ...Object.keys(PKG.dependencies ?? {}),
      ...Object.keys(PKG.peerDependencies ?? {}),
      ...CONSUMER_PACKAGES,
    ]) {
      link(name);
    }
    // The examples name their model as ../shared/fixtures/…, relative to where they run.
    mkdirSync(join(work, "shared"));
    symlinkSync(FIXTURES, join(work, "shared", "fixtures"), "dir");
    cpSync(join(REPO_ROOT, "examples", "integrations"), join(consumer, "examples", "integrations"), {
      recursive: true,
    });
    cpSync(join(REPO_ROOT, "test", "packed"), join(consumer, "checks"), { recursive: true });
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        include: ["examples", "checks"],
      }),
    );
  },
  { timeout: 420_000 },
);

after(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  if (Object.keys(timings).length > 0) console.log(`# package test timings (ms): ${JSON.stringify(timings)}`);
});

function tarballFiles(): Set<string> {
  return new Set(packed.files.map((f) => f.path));
}

describe("the packed tarball", () => {
  it("ships dist, its sources and LICENSE, and nothing of the repository's tests, examples or scripts", () => {
    const files = tarballFiles();
    for (const path of [
      "package.json",
      "LICENSE",
      "README.md",
      "bin/rerankers.js",
      "dist/index.js",
      "dist/index.d.ts",
    ]) {
      assert.ok(files.has(path), `${path} is in the tarball`);
    }
    for (const entry of Object.values(PKG.exports as Record<string, string | Record<string, string>>)) {
      for (const target of typeof entry === "string" ? [entry] : Object.values(entry)) {
        assert.ok(files.has(target.replace(/^\.\//, "")), `exports target ${target} is in the tarball`);
      }
    }
    const outside = [...files].filter((p) => /^(test|examples|bench|scripts|node_modules)\//.test(p));
    assert.deepEqual(outside, []);
    assert.ok(packed.size < 1_000_000, `tarball is ${packed.size} bytes`);
  });

  it("has no source map that points at a file the tarball does not ship", () => {
    const root = join(consumer, "node_modules", "rerankers");
    const maps = [...tarballFiles()].filter((p) => p.endsWith(".map"));
    assert.ok(maps.length > 0, "the build emits maps");
    const missing: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(root, map), "utf8")) as { sources: string[] };
      for (const src of sources) {
        const path = relative(root, resolve(dirname(join(root, map)), src));
        if (!tarballFiles().has(path)) missing.push(`${map} -> ${src}`);
      }
    }
    assert.deepEqual(missing.slice(0, 5), []);
  });

  it("carries the Apache-2.0 licence text its package.json names", () => {
    assert.equal(PKG.license, "Apache-2.0");
    const text = readFileSync(join(consumer, "node_modules", "rerankers", "LICENSE"));
    // The MD5 of https://www.apache.org/licenses/LICENSE-2.0.txt.
    assert.equal(createHash("md5").update(text).digest("hex"), "3b83ef96387f14655fc854ddc3c6bd57");
  });

  it("names a repository only if it has a public one (no invented URL)", async () => {
    const { stdout } = await run("git", ["remote", "-v"], { cwd: REPO_ROOT }).catch(() => ({ stdout: "" }));
    const publicRemote = stdout
      .split("\n")
      .map((line) => line.split(/\s+/)[1])
      .find((url) =>
        /^(https:\/\/|git@|ssh:\/\/git@)(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)[/:]/.test(
          url ?? "",
        ),
      );
    if (publicRemote === undefined) {
      for (const field of ["repository", "homepage", "bugs"])
        assert.equal(PKG[field], undefined, `${field} without a public remote`);
    } else {
      const slug = (url: string) =>
        url
          .replace(/^.*?(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)[/:]/, "$1/")
          .replace(/\.git$/, "");
      assert.equal(slug(PKG.repository?.url ?? PKG.repository ?? ""), slug(publicRemote));
      assert.ok(PKG.homepage && PKG.bugs, "homepage and bugs accompany repository");
    }
  });

  it("is publint-clean", async () => {
    const { publint } = await import("publint");
    const { formatMessage } = await import("publint/utils");
    const buffer = readFileSync(tarball);
    const { messages, pkg } = await timed("publint", () =>
      publint({
        pack: { tarball: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) },
        level: "suggestion",
        strict: true,
      }),
    );
    // One suggestion is taken knowingly: the object `browser` field swaps three Node-only engine modules for
    // bundlers (a refactor to `imports` conditions would change every engine import path).
    const kept = messages.filter((m) => m.code !== "USE_EXPORTS_OR_IMPORTS_BROWSER");
    assert.deepEqual(
      kept.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`),
      [],
    );
  });
});

describe("a consumer project with the tarball installed", () => {
  it("can require() every entry point from CommonJS and rank with reference scores", {
    skip: process.features.require_module ? false : "this Node has no require(esm) (needs 20.19+ or 22.12+)",
  }, async () => {
    const { stdout, stderr } = await timed("require.cjs", () =>
      inConsumer(["checks/require.cjs", fixturePath(MODEL), fixturePath(MODEL, "reference.json")]),
    );
    assert.doesNotMatch(stderr, /ExperimentalWarning|Error/);
    const { exported, ranked, invalid } = JSON.parse(stdout);
    assert.ok(exported.rerankers.includes("Reranker"));
    assert.deepEqual(exported["rerankers/ai-sdk"], ["createRerankers", "rerankingModel"]);
    assert.deepEqual(exported["rerankers/langchain"], ["RerankersCompressor"]);
    assert.deepEqual(exported["rerankers/llamaindex"], ["RerankersPostprocessor"]);
    for (const entry of [
      "rerankers/local",
      "rerankers/providers",
      "rerankers/llm",
      "rerankers/server",
      "rerankers/eval",
    ]) {
      assert.ok(exported[entry].length > 0, `${entry} exports something`);
    }
    assertReference(ranked, CASE.docs.length);
    assert.equal(invalid, true, "errors are the package's own classes");
  });

  it("runs the adapters (LangChain retriever, AI SDK model and registry, LlamaIndex) with reference scores", async () => {
    const { stdout } = await timed("adapters.ts", () =>
      inConsumer([
        "--import",
        "tsx",
        "checks/adapters.ts",
        fixturePath(MODEL),
        fixturePath(MODEL, "reference.json"),
      ]),
    );
    const out = JSON.parse(stdout);
    assertReference(out.langchain, CASE.docs.length);
    assertReference(out.aiSdk, CASE.docs.length);
    assertReference(out.aiSdkRegistry, 3);
    assertReference(out.llamaindex, CASE.docs.length);
    assert.equal(out.sameText, true);
  });

  for (const [example, prefixes] of [
    ["langchain", [""]],
    ["ai-sdk", ["model", "registry"]],
    ["llamaindex", [""]],
  ] as const) {
    it(`runs examples/integrations/${example}.ts as shipped`, async () => {
      const { stdout } = await timed(`example ${example}`, () =>
        inConsumer(["--import", "tsx", `examples/integrations/${example}.ts`]),
      );
      const lines = stdout.trim().split("\n");
      assert.equal(lines.length, 2 * prefixes.length, stdout);
      for (const [p, prefix] of prefixes.entries()) {
        const scores = lines.slice(2 * p, 2 * p + 2).map((line) => {
          assert.ok(line.startsWith(prefix), line);
          assert.ok(
            EXAMPLE_DOCS.some((doc) => line.endsWith(doc)),
            `${line} ends with one of the example's documents`,
          );
          return Number(line.slice(prefix.length).trim().split(" ")[0]);
        });
        assert.ok(scores.every(Number.isFinite) && scores[0] >= scores[1], stdout);
      }
    });
  }

  it("type-checks the examples against the tarball's declarations", async () => {
    const result = await timed("tsc examples", () =>
      inConsumer(
        [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
        180_000,
      ).then(
        () => "",
        (error: { stdout?: string; message: string }) => error.stdout || error.message,
      ),
    );
    assert.equal(result, "");
  });
});

/** Ranked `{ index, score }` in the reference's order, each score within 1e-4 of the reference. */
function assertReference(ranked: { index: number; score: number }[], count: number): void {
  assert.deepEqual(
    ranked.map((r) => r.index),
    CASE.ranking.slice(0, count),
  );
  for (const { index, score } of ranked) {
    assert.ok(
      Math.abs(score - CASE.scores[index]) <= 1e-4,
      `score of ${index}: ${score} vs ${CASE.scores[index]}`,
    );
  }
}
