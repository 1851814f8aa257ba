/**
 * Build the browser demo: web/demo.ts (which imports src/browser) bundled by esbuild into dist-browser/, with
 * web/index.html and onnxruntime-web's WASM runtime copied beside it (served locally, never from a CDN).
 *
 *   npm run build:browser            -> dist-browser/
 *   npm run build:browser -- <dir>   -> <dir>/
 */
import { readFileSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Plugin } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** onnxruntime-web's runtimes: the plain SIMD+threads build (WASM) and the asyncify one its WebGPU build loads. */
export const ORT_FILES = [
  "ort-wasm-simd-threaded.mjs",
  "ort-wasm-simd-threaded.wasm",
  "ort-wasm-simd-threaded.asyncify.mjs",
  "ort-wasm-simd-threaded.asyncify.wasm",
];

export interface FileSize {
  file: string;
  bytes: number;
  gzip: number;
}

export async function fileSize(dir: string, file: string): Promise<FileSize> {
  const data = await readFile(join(dir, file));
  return { file, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length };
}

/**
 * The Node-only engine modules (reached only through lazy imports in Tokenizer.fromDir and PairClassifier.load,
 * which a browser never calls) become empty modules: the same list package.json's "browser" field gives
 * bundlers of `rerankers/browser`. Anything else that imports a Node built-in fails the build.
 */
function nodeOnlyModules(): Plugin {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    browser: Record<string, false>;
  };
  const emptied = new Set(
    Object.keys(pkg.browser).map((p) => join(ROOT, p.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ""))),
  );
  return {
    name: "node-only-modules",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
        const target = resolve(args.resolveDir, args.path).replace(/\.js$/, "");
        return emptied.has(target) ? { path: target, namespace: "node-only" } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: "node-only" }, () => ({ contents: "", loader: "js" }));
    },
  };
}

export async function buildBrowser(outDir = join(ROOT, "dist-browser")): Promise<FileSize[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, "ort"), { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { demo: "web/demo.ts" },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    // Error classes report their name (`ModelFilesError: ...`).
    keepNames: true,
    metafile: true,
    logLevel: "warning",
    chunkNames: "chunks/[name]-[hash]",
    // onnxruntime-web then loads its .mjs/.wasm runtime from env.wasm.wasmPaths (./ort/ here).
    conditions: ["onnxruntime-web-use-extern-wasm"],
    plugins: [nodeOnlyModules()],
  });
  await copyFile(join(ROOT, "web", "index.html"), join(outDir, "index.html"));
  const ortDir = join(dirname(createRequire(import.meta.url).resolve("onnxruntime-web/wasm")));
  for (const f of ORT_FILES) await copyFile(join(ortDir, f), join(outDir, "ort", f));
  const files = [
    ...Object.keys(result.metafile.outputs).map((o) => relative(outDir, resolve(ROOT, o))),
    "index.html",
    ...ORT_FILES.map((f) => `ort/${f}`),
  ];
  const sizes = await Promise.all(files.map((f) => fileSize(outDir, f)));
  await writeFile(join(outDir, "sizes.json"), `${JSON.stringify(sizes, null, 2)}\n`);
  return sizes;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(ROOT, "dist-browser"));
  const sizes = await buildBrowser(outDir);
  for (const s of sizes)
    console.log(`${s.file.padEnd(48)} ${String(s.bytes).padStart(10)} B  gzip ${s.gzip} B`);
  console.log(`built ${relative(process.cwd(), outDir) || "."}/ (serve it with: npm run serve:browser)`);
}
