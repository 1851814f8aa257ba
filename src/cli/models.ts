import type { Command } from "commander";
import { CATALOG, type CatalogEntry, exportCommand } from "../core/catalog.js";

/** What a catalog entry needs before it runs here. */
export function entryStatus(e: CatalogEntry): "ready" | "export needed" | "not supported" {
  if (e.source !== null) return "ready";
  return e.exportTask !== undefined ? "export needed" : "not supported";
}

function asJson(e: CatalogEntry) {
  return {
    ...e,
    status: entryStatus(e),
    exportCommand: e.source === null && e.exportTask !== undefined ? exportCommand(e).command : undefined,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `rerankers models [--json]`: the model catalog. */
export function registerModelsCommand(program: Command): void {
  program
    .command("models")
    .description("list well-known models: family, ONNX source repo, dtypes, max length, licence, languages")
    .option("--json", "print JSON")
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(CATALOG.map(asJson), null, 2)}\n`);
        return;
      }
      const rows = [
        ["model", "family", "status", "source", "dtypes", "max", "licence", "languages"],
        ...CATALOG.map((e) => [
          e.name,
          e.family,
          entryStatus(e),
          e.source ?? "-",
          e.dtypes.join(",") || "-",
          String(e.maxLength),
          e.license,
          e.languages.join(","),
        ]),
      ];
      process.stdout.write(`${table(rows)}\n`);
    });
}
