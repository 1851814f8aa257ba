/**
 * The Dockerfile's build steps, run without Docker by scripts/check-dockerfile.ts: build stage (npm ci, tsc),
 * runtime stage (npm ci --omit=dev with the optional peers, binary pruning), then the image's ENTRYPOINT + CMD
 * started on a fixture model, its HEALTHCHECK, a rerank with the API key, and SIGTERM. Slow (two `npm ci` and a
 * build: 1-3 minutes on 2 cores), so it has its own file and a hard time limit.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runNode } from "./helpers/cli.js";

const LIMIT_MS = 420_000;

it("the Dockerfile's steps build an image folder whose server starts, ranks and stops cleanly", {
  timeout: LIMIT_MS + 30_000,
}, async () => {
  const r = await runNode(
    ["--import", "tsx", "scripts/check-dockerfile.ts", "--timeout-ms", String(LIMIT_MS)],
    {
      timeoutMs: LIMIT_MS + 20_000,
    },
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  for (const step of [
    /RUN ok .* npm ci --ignore-scripts/,
    /RUN ok .* npm run build/,
    /RUN ok .* npm ci --omit=dev/,
    /static: USER \d+:\d+, VOLUME \/models/,
    /ENTRYPOINT --help ok/,
    /HEALTHCHECK ok/,
    /rerank with RERANKERS_API_KEY ok \(401 without it\)/,
    /SIGTERM: exit 0/,
  ]) {
    assert.match(r.stdout, step);
  }
});
