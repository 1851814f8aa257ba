import type { Command } from "commander";
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

/** One --model-type for all models, or one per model in order. */
export function typesFor(models: string[], types: string[] | undefined): (string | undefined)[] {
  if (!types || types.length === 0) return models.map(() => undefined);
  if (types.length === 1) return models.map(() => types[0]);
  if (types.length === models.length) return types;
  throw new InvalidInputError(
    `give one --model-type for all models or one per --model (${models.length}), not ${types.length}`,
  );
}

/**
 * Check required options after commander's unknown-option check, so `--modle x` reports "unknown option
 * '--modle' (Did you mean --model?)" instead of "required option '--model' not specified".
 */
export function checkRequiredAfterUnknown(cmd: Command): void {
  const required = cmd.options.filter((o) => o.mandatory);
  if (required.length === 0) return;
  for (const o of required) o.mandatory = false;
  cmd.hook("preAction", (_self, action) => {
    for (const o of required) {
      if (action.getOptionValue(o.attributeName()) === undefined) {
        action.error(`error: required option '${o.flags}' not specified`, {
          exitCode: 2,
          code: "commander.missingMandatoryOptionValue",
        });
      }
    }
  });
}
