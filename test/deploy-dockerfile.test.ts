/**
 * The Dockerfile's build steps, run without Docker by scripts/check-dockerfile.ts: build stage (npm ci, tsc),
 * runtime stage (npm ci --omit=dev with the optional peers, binary pruning), then the image's ENTRYPOINT + CMD
 * started on a fixture model, its HEALTHCHECK, a rerank with the API key, and SIGTERM. Slow (two `npm ci` and a
 * build: 2-4 minutes on 2 quiet cores, much more on a loaded machine), so it has its own file and a hard time limit.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runNode } from "./helpers/cli.js";

// The script bounds itself (and removes its scratch folder when it gives up); removing ~700 MB of build-stage
// files after a success can take a while on a busy machine, hence the margin before this test kills it.
const LIMIT_MS = 540_000;
const CLEANUP_MS = 240_000;

it("the Dockerfile's steps build an image folder whose server starts, ranks and stops cleanly", {
  timeout: LIMIT_MS + CLEANUP_MS + 30_000,
}, async () => {
  const r = await runNode(
    ["--import", "tsx", "scripts/check-dockerfile.ts", "--timeout-ms", String(LIMIT_MS)],
    {
      timeoutMs: LIMIT_MS + CLEANUP_MS,
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
