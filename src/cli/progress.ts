import type { DownloadProgressEvent } from "../core/option-specs.js";
import type { Progress } from "../core/ranker.js";

/**
 * A progress bar on stderr, only when stderr is a terminal and the job turns out to be long (> 1 s).
 * Returns the callback to pass as `onProgress` and a `stop` to call when done.
 */
export function stderrProgress(label: string): { onProgress: (p: Progress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const started = Date.now();
  let bar: { update(n: number): void; stop(): void } | undefined;
  let loading = false;
  let last: Progress | undefined;
  return {
    onProgress(p) {
      last = p;
      if (bar) return bar.update(p.done);
      if (loading || Date.now() - started < 1000) return;
      loading = true;
      import("cli-progress").then(({ default: cliProgress }) => {
        const b = new cliProgress.SingleBar(
          {
            format: `${label} [{bar}] {value}/{total} docs | {eta_formatted} left`,
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        b.start(last?.total ?? p.total, last?.done ?? p.done);
        bar = b;
      });
    },
    stop() {
      bar?.stop();
    },
  };
}

/** `91 MB`, `1.2 GB`, `640 KB` (decimal units, as the Hub shows sizes). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} B`;
}

interface Bar {
  start(total: number, value: number): void;
  update(n: number): void;
  stop(): void;
}

/**
 * Model download progress on stderr: a bar per file on a terminal, otherwise one `downloading X (91 MB)` line
 * per file. Nothing is printed for models already in the cache (no download events arrive).
 */
export function downloadProgress(stream: NodeJS.WriteStream = process.stderr): {
  onDownloadProgress: (e: DownloadProgressEvent) => void;
  stop: () => void;
} {
  const seen = new Set<string>();
  let bar: Bar | undefined;
  let barFile: string | undefined;
  const makeBar = stream.isTTY
    ? import("cli-progress").then(
        ({ default: cliProgress }) =>
          (label: string) =>
            new cliProgress.SingleBar(
              { format: `${label} [{bar}] {percentage}% | {eta_formatted} left`, stream, hideCursor: true },
              cliProgress.Presets.shades_classic,
            ) as Bar,
      )
    : undefined;
  let factory: ((label: string) => Bar) | undefined;
  makeBar?.then((f) => {
    factory = f;
  });
  return {
    onDownloadProgress(e) {
      const first = !seen.has(e.file);
      seen.add(e.file);
      const label = `downloading ${e.file} (${e.total === undefined ? "size unknown" : formatBytes(e.total)})`;
      if (makeBar === undefined || e.total === undefined) {
        if (first) stream.write(`rerankers: ${label}\n`);
        return;
      }
      if (factory === undefined) return; // the bar appears with the next chunk
      if (barFile !== e.file) {
        bar?.stop();
        bar = factory(label);
        barFile = e.file;
        bar.start(e.total, e.loaded);
      } else bar?.update(e.loaded);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
