/** Everything an error exposes: message, String(), JSON.stringify, stack, and the whole cause chain (for key-leak checks). */
export function exposed(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 10; depth++) {
    parts.push(String(e), JSON.stringify(e) ?? "");
    if (e instanceof Error) parts.push(e.message, e.stack ?? "");
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join("\n");
}
