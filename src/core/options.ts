import { InvalidInputError } from "../core/errors.js";

/**
 * Typed readers for the untyped backend options a factory receives. The CLI passes `--option k=v` values as
 * strings (or JSON-parsed values), the library passes real values; both are accepted.
 */
type Bag = Readonly<Record<string, unknown>>;

export function optString(options: Bag, name: string): string | undefined {
  const v = options[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new InvalidInputError(`option ${name} must be a string, got ${typeof v}`);
  return v;
}

export function optInt(options: Bag, name: string, min = 1): number | undefined {
  const v = options[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new InvalidInputError(`option ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function optNumber(options: Bag, name: string, min: number): number | undefined {
  const v = options[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min) {
    throw new InvalidInputError(`option ${name} must be a number >= ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function optBool(options: Bag, name: string): boolean | undefined {
  const v = options[name];
  if (v === undefined || v === null) return undefined;
  if (v === true || v === "true" || v === "1") return true;
  if (v === false || v === "false" || v === "0") return false;
  throw new InvalidInputError(`option ${name} must be true or false, got ${JSON.stringify(v)}`);
}

export function optFunction<T>(options: Bag, name: string): T | undefined {
  const v = options[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "function") throw new InvalidInputError(`option ${name} must be a function`);
  return v as T;
}
