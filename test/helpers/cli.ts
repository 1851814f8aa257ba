import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./fixtures.js";

/** The CLI entry point, run from source as a user would run the built one. */
export const CLI_SOURCE = join(REPO_ROOT, "src", "cli", "main.ts");

export interface CliRun {
  /** Exit code; 1 when the process was killed (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to the child's stdin (otherwise stdin is closed). */
  input?: string;
  /** The child is killed after this long. */
  timeoutMs?: number;
  /** Merged over process.env; an undefined value removes the variable. */
  env?: Record<string, string | undefined>;
}

/** Run `rerankers <args>` from source in the repository root. Never rejects on a non-zero exit. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return runNode(["--import", "tsx", CLI_SOURCE, ...args], options);
}

/** Run `node <nodeArgs>` in the repository root. Never rejects on a non-zero exit. */
export function runNode(nodeArgs: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: REPO_ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (c) => {
      stdout += c;
    });
    child.stderr?.on("data", (c) => {
      stderr += c;
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Run the CLI, require exit code 0, and parse its stdout as JSON. */
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON is checked field by field by each test
export async function runCliJson<T = any>(args: readonly string[], options: CliOptions = {}): Promise<T> {
  const r = await runCli(args, options);
  if (r.code !== 0) throw new Error(`CLI exited with ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
