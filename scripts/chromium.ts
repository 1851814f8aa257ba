/**
 * Headless Chromium for the browser test and measurements: the system's chromium (Debian package `chromium`),
 * driven by playwright-core. Never downloads a browser.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** CHROMIUM_PATH, else the usual system locations; undefined when none exists. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p): p is string => p !== undefined && p !== "" && existsSync(p));
}

/** Flags that work in containers and CI: no sandbox, no GPU, no network chatter. */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launch headless with a fresh profile (playwright creates and removes a temporary --user-data-dir). */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
}
