/**
 * A cross-process lock file (`open(..., "wx")`), so that two processes downloading the same blob take turns
 * instead of appending to one `.incomplete` file. The holder refreshes the file's mtime; a lock whose holder died
 * (same host, pid gone) or that has not been refreshed for STALE_MS is taken over.
 */
import { link, mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { throwIfAborted } from "../core/errors.js";
import { tempName } from "./hub-cache.js";

const STALE_MS = 30_000;
const HEARTBEAT_MS = 5_000;
const POLL_MS = 100;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    const info = await stat(lockPath);
    if (Date.now() - info.mtimeMs > STALE_MS) return true;
    const [pid, host] = (await readFile(lockPath, "utf8")).trim().split(" ");
    // Our lock files are never empty (they are linked into place whole); an empty one is the file Python's
    // `filelock` leaves behind after releasing its flock, which does not mean anyone holds it.
    if (pid === "") return true;
    return host === hostname() && Number(pid) > 0 && !processAlive(Number(pid));
  } catch {
    return false; // gone already: try again
  }
}

/** Create the lock file with its content in one step: a hard link of a finished temp file (EEXIST if held). */
async function tryAcquire(lockPath: string): Promise<boolean> {
  const content = `${process.pid} ${hostname()}\n`;
  const tmp = tempName(lockPath);
  await writeFile(tmp, content);
  try {
    await link(tmp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    // No hard links on this file system: exclusive create (briefly empty, which only costs a takeover race).
    try {
      await writeFile(lockPath, content, { flag: "wx" });
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw inner;
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Run `fn` while holding `lockPath`; waits (polling) while another live process holds it. */
export async function withLock<T>(
  lockPath: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  while (!(await tryAcquire(lockPath))) {
    throwIfAborted(signal);
    if (await isStale(lockPath)) await rm(lockPath, { force: true });
    else await sleep(POLL_MS);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await rm(lockPath, { force: true });
  }
}
