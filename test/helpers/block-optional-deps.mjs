// Loaded with `node --import`: makes the optional peer dependencies look uninstalled, as on a user's machine
// that only uses hosted APIs.
import { register } from "node:module";

const hook = `
const blocked = ["onnxruntime-node", "@huggingface/tokenizers"];
export async function resolve(specifier, context, next) {
  if (blocked.some((b) => specifier === b || specifier.startsWith(b + "/"))) {
    const err = new Error("Cannot find package '" + specifier + "'");
    err.code = "ERR_MODULE_NOT_FOUND";
    throw err;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
