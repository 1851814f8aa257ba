import { AbortedError, ModelFilesError, NetworkError } from "../core/errors.js";

export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<Response>;

export interface FetchFilesOptions {
  fetch?: FetchLike;
  /** Sent as `authorization: Bearer <token>` (gated Hub repos); never appears in errors. */
  token?: string;
  signal?: AbortSignal;
}

/** One file of the model folder at `base`: the response when it exists, undefined on 404 (when not required). */
async function get(base: string, name: string, required: boolean, options: FetchFilesOptions) {
  const url = new URL(name, base).href;
  const doFetch = options.fetch ?? ((u, init) => globalThis.fetch(u, init));
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  let res: Response;
  try {
    res = await doFetch(url, { signal: options.signal, headers });
  } catch (cause) {
    if (options.signal?.aborted) throw new AbortedError("model download was aborted", { cause });
    throw new NetworkError(`cannot fetch ${url}: ${(cause as Error)?.message ?? cause}`, { cause, url });
  }
  if (res.status === 404 && !required) return undefined;
  if (res.status === 404)
    throw new ModelFilesError(`model folder ${base} has no ${name} (404)`, { path: url });
  if (!res.ok) throw new NetworkError(`GET ${url} answered HTTP ${res.status}`, { status: res.status, url });
  return { res, url };
}

// biome-ignore lint/suspicious/noExplicitAny: Hugging Face JSON files are free-form
type Json = Record<string, any>;

/** A JSON object file of the folder; `{}` when optional and absent. */
export async function fetchJson(
  base: string,
  name: string,
  required: boolean,
  options: FetchFilesOptions,
): Promise<Json> {
  const got = await get(base, name, required, options);
  if (!got) return {};
  let value: unknown;
  try {
    value = JSON.parse(await got.res.text());
  } catch (cause) {
    throw new ModelFilesError(`${got.url} is not valid JSON`, { cause, path: got.url });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ModelFilesError(`${got.url} is not a JSON object`, { path: got.url });
  return value as Json;
}

/** The bytes of the first of `names` that exists, with its URL. */
export async function fetchFirstBytes(
  base: string,
  names: readonly string[],
  options: FetchFilesOptions,
): Promise<{ url: string; bytes: Uint8Array }> {
  for (const name of names) {
    const got = await get(base, name, false, options);
    if (got) return { url: got.url, bytes: new Uint8Array(await got.res.arrayBuffer()) };
  }
  throw new ModelFilesError(`model folder ${base} has none of ${names.join(", ")}`, { path: base });
}
