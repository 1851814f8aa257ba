import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliRun, runCli } from "./helpers/cli.js";
import { type ProviderServer, relevanceTable, startProviderServer } from "./helpers/provider-server.js";

const KEY = "cli-key-DO-NOT-LEAK-123456";
const DOCS = ["Berlin is in Germany.", "Paris is the capital of France.", "Lyon is a French city."];
const table = relevanceTable(DOCS);

/** Run the CLI asynchronously (the stand-in server lives in this process); no provider key unless given. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const keys = ["COHERE_API_KEY", "JINA_API_KEY", "VOYAGE_API_KEY", "PINECONE_API_KEY"];
  const unset = Object.fromEntries(keys.map((k) => [k, undefined]));
  return runCli(args, { env: { ...unset, ...env }, timeoutMs: 30_000 });
}

// Each case spawns the CLI (about 2 s of start-up on a small machine), so they run concurrently.
describe("CLI with hosted providers", { concurrency: true }, () => {
  let server: ProviderServer;
  let dir: string;
  let docsFile: string;
  before(async () => {
    server = await startProviderServer({ wire: "cohere", apiKey: KEY, relevance: table });
    dir = mkdtempSync(join(tmpdir(), "rerankers-cli-"));
    docsFile = join(dir, "docs.txt");
    writeFileSync(docsFile, `${DOCS.join("\n")}\n`);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => [
    "rank",
    "--model",
    "cohere:rerank-v3.5",
    "--base-url",
    server.url,
    "-q",
    "capital of france",
    "-d",
    docsFile,
  ];

  it("ranks through the provider with --base-url and --api-key", async () => {
    const r = await cli([...base(), "--api-key", KEY, "--json", "-k", "2"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.modelType, "cohere");
    const expected = [...DOCS].sort((a, b) => (table.get(b) ?? 0) - (table.get(a) ?? 0)).slice(0, 2);
    assert.deepEqual(
      out.results.map((x: { text: string }) => x.text),
      expected,
    );
    assert.equal(out.results[0].score, table.get(expected[0]));
    // the cases run concurrently against one server: pick this case's request (the only one with the right key)
    const mine = server.requests.filter((q) => q.headers.authorization === `Bearer ${KEY}`);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].body.top_n, 2);
  });

  it("exits 2 on a missing key, before any request", async () => {
    const r = await cli(base());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /COHERE_API_KEY/);
    assert.ok(!server.requests.some((q) => q.headers.authorization === undefined));
  });

  it("exits 4 on 401, never printing the key", async () => {
    const wrong = `${KEY}-wrong`;
    const r401 = await cli([...base(), "--api-key", wrong]);
    assert.equal(r401.code, 4);
    assert.match(r401.stderr, /401/);
    assert.ok(!r401.stderr.includes(wrong) && !r401.stdout.includes(wrong));
  });

  it("exits 4 on a 500 after retries (--option maxRetries=1: 2 attempts)", async () => {
    const failing = await startProviderServer({ wire: "cohere", apiKey: KEY, relevance: table });
    try {
      failing.faults.push("500", "500");
      const args = [
        ...base(),
        "--api-key",
        KEY,
        "--option",
        "maxRetries=1",
        "--option",
        "retryBaseDelayMs=1",
      ];
      args[args.indexOf("--base-url") + 1] = failing.url;
      const r500 = await cli(args);
      assert.equal(r500.code, 4);
      assert.match(r500.stderr, /HTTP 500/);
      assert.equal(failing.requests.length, 2);
      assert.ok(!r500.stderr.includes(KEY));
    } finally {
      await failing.close();
    }
  });
});
