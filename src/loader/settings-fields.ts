import { didYouMean } from "./suggest.ts";
import type { YamlSource } from "./yaml-source.ts";

/** The value as a map, or a problem reported at `at` (trellis.yaml's sections and their entries). */
export function asMap(value: unknown, at: (string | number)[], source: YamlSource): Record<string, unknown> | undefined {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  source.report(at, `${at.join(".")} must be a map`);
  return undefined;
}

/** Each key not in `known`, reported at the key with the nearest known one. */
export function unknownKeys(record: Record<string, unknown>, known: readonly string[], at: (string | number)[], source: YamlSource): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) source.report([...at, key], `unknown field "${key}"${didYouMean(key, known)}`, { atKey: true });
  }
}
