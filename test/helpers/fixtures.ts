import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Fixtures live beside the repository, in ../shared/fixtures; they are never copied into the repo. */
export const FIXTURES = process.env.RERANKERS_FIXTURES ?? resolve(REPO_ROOT, "..", "shared", "fixtures");

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

// biome-ignore lint/suspicious/noExplicitAny: reference files are free-form JSON
export function readReference(name: string, file = "reference.json"): any {
  return JSON.parse(readFileSync(fixturePath(name, file), "utf8"));
}
