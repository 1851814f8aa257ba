import { InvalidInputError } from "../core/errors.js";

export interface ModelUrlOptions {
  /** Hub revision for a repo id (default "main"). */
  revision?: string;
  /** Hub host for a repo id (default https://huggingface.co). */
  endpoint?: string;
}

const REPO_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * The folder URL a model's files are fetched from, ending in "/". A URL or a path ("/models/x", "./x") is used as
 * is (relative ones against `base`); a Hub repo id `org/name` becomes `{endpoint}/{org/name}/resolve/{revision}/`.
 */
export function modelBaseUrl(model: string, options: ModelUrlOptions = {}, base?: string): string {
  const m = model.trim();
  if (m === "") throw new InvalidInputError("model must be a non-empty URL, path or Hub repo id");
  let url: string;
  if (REPO_ID.test(m) && !m.startsWith(".")) {
    const endpoint = (options.endpoint ?? "https://huggingface.co").replace(/\/+$/, "");
    const revision = encodeURIComponent(options.revision ?? "main");
    url = `${endpoint}/${m}/resolve/${revision}/`;
  } else {
    try {
      url = new URL(m, base).href;
    } catch (cause) {
      throw new InvalidInputError(`model "${m}" is neither a URL nor a Hub repo id (org/name)`, { cause });
    }
  }
  return url.endsWith("/") ? url : `${url}/`;
}
