import { isIP } from "node:net";

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (also IPv4-mapped). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  const v4 = h.replace(/^::ffff:/, "");
  if (isIP(v4) === 4) return v4.startsWith("127.");
  if (isIP(h) === 6) return /^(0{0,4}:){7}0{0,3}1$/.test(h) || h === "::1";
  return false;
}

/** Warnings `rerankers serve` prints before listening. */
export function serveWarnings(options: { host: string; apiKey: string | undefined }): string[] {
  const warnings: string[] = [];
  if (options.apiKey === undefined && !isLoopbackHost(options.host)) {
    warnings.push(
      `listening on ${options.host} without an API key: anyone who can reach this address can use the server (set --api-key or RERANKERS_API_KEY, or bind 127.0.0.1)`,
    );
  }
  return warnings;
}
