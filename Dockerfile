# syntax=docker/dockerfile:1
# rerankers server image: `rerankers serve` with local ONNX models (onnxruntime-node + @huggingface/tokenizers).
#
#   docker build -t rerankers .
#   docker run --rm -p 8080:8080 -e RERANKERS_API_KEY=change-me -v rerankers-models:/models rerankers
#   docker run --rm -v rerankers-models:/models rerankers download cross-encoder/ms-marco-MiniLM-L-6-v2
#
# Every RUN/COPY step below is also run without Docker by `node --import tsx scripts/check-dockerfile.ts`, which maps
# the absolute paths named here (/src, /app, /models) into a temporary folder: keep RUN steps to those paths.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript to dist/ (needs the dev dependencies) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
# --ignore-scripts: the root `prepare` script would run tsc before src/ is copied, and onnxruntime-node's
# postinstall only downloads GPU binaries (the CPU ones ship in the npm package). The npm cache is a BuildKit cache
# mount: reused across builds, never part of a layer.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# The runtime's package.json: onnxruntime-node and @huggingface/tokenizers are optional peers (dev dependencies of
# the repo, so `npm ci --omit=dev` alone leaves them out); this pins them as dependencies at the lockfile's versions.
COPY deploy/docker/runtime-package.mjs ./deploy/docker/
RUN mkdir -p runtime && node deploy/docker/runtime-package.mjs package.json package-lock.json > runtime/package.json

# ---- runtime: production dependencies + the two peers, from the lockfile ----
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    HF_HOME=/models
COPY package-lock.json ./
COPY --from=build /src/runtime/package.json ./
# Install, drop onnxruntime-node's binaries for other platforms (about 240 of its 288 MB; linux/<this arch> stays),
# and check that both peers load.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node -e 'const fs = require("fs"); const bin = "node_modules/onnxruntime-node/bin"; for (const napi of fs.readdirSync(bin)) for (const os of fs.readdirSync(`${bin}/${napi}`)) for (const arch of fs.readdirSync(`${bin}/${napi}/${os}`)) if (os !== process.platform || arch !== process.arch) fs.rmSync(`${bin}/${napi}/${os}/${arch}`, { recursive: true });' \
 && node --input-type=module -e 'await import("onnxruntime-node"); await import("@huggingface/tokenizers");'
COPY bin ./bin
COPY --from=build /src/dist ./dist
# The model cache (HF_HOME) is the only place the server writes: a volume, owned by the unprivileged user.
RUN mkdir -p /models && chown 1000:1000 /models
VOLUME ["/models"]
# Numeric user (the node image's `node`): Kubernetes' runAsNonRoot can only verify a numeric USER.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The API key clients must send is read from RERANKERS_API_KEY (pass it as a secret, never on the command line);
# HF_TOKEN, if set, is used for gated or private Hub models.
ENTRYPOINT ["node", "/app/bin/rerankers.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--model", "cross-encoder/ms-marco-MiniLM-L-6-v2"]
