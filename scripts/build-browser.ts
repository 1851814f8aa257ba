/**
 * Build the browser demo: web/demo.ts (which imports src/browser) bundled by esbuild into dist-browser/, with
 * web/index.html and onnxruntime-web's WASM runtime copied beside it (served locally, never from a CDN).
 *
 *   npm run build:browser            -> dist-browser/
 *   npm run build:browser -- <dir>   -> <dir>/
 */
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

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

/** Fail when a module the entry loads eagerly imports a Node built-in: the browser could not load it. */
function checkNoNodeImports(meta: Metafile, outDir: string): void {
  const entry = Object.keys(meta.outputs).find((o) => meta.outputs[o].entryPoint !== undefined);
  const seen = new Set<string>();
  const stack = entry ? [entry] : [];
  while (stack.length > 0) {
    const out = stack.pop()!;
    if (seen.has(out)) continue;
    seen.add(out);
    for (const imp of meta.outputs[out]?.imports ?? []) {
      if (imp.path.startsWith("node:") && imp.kind === "import-statement")
        throw new Error(`${relative(outDir, out)} imports ${imp.path}: the browser bundle must not`);
      if (imp.kind === "import-statement" && !imp.external) stack.push(imp.path);
    }
  }
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
    // Reached only through Node-only code paths (Tokenizer.fromDir, PairClassifier.load) the browser never runs.
    external: ["node:*", "onnxruntime-node"],
  });
  checkNoNodeImports(result.metafile, outDir);
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
