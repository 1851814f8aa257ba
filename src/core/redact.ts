/**
 * Remove credentials from URLs before they are printed: `https://user:pass@host/x` -> `https://***@host/x`,
 * and the values of query parameters that usually carry secrets (`?token=…`, `?api_key=…`, `?sig=…`).
 * Works on text (no URL parsing), so it never throws and leaves the rest of a message as it was.
 */

/** Everything between `scheme://` and the last `@` before the path is userinfo (as WHATWG URL parses it). */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;
const SECRET_PARAMS =
  /([?&](?:token|access_token|refresh_token|id_token|api[_-]?key|apikey|key|password|passwd|secret|client_secret|sig|signature|auth|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#\s]*/gi;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** One URL with its userinfo and secret-looking query values replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, "$1***@").replace(SECRET_PARAMS, "$1***");
}

/** Every URL inside `text` redacted (for error messages, logs and stack traces). */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}
