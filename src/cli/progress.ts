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
