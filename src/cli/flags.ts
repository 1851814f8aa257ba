import { InvalidInputError } from "../core/errors.js";

/** Commander collector for a repeatable flag. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** An integer flag of at least `min`, or undefined when the flag is absent. */
export function intFlag(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidInputError(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

/** A flag that must be a positive integer. */
export function positiveIntFlag(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidInputError(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}
