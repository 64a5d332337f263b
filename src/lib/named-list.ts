import { z } from "zod";

/**
 * A configuration list whose entries are named, each name once: providers, speech and media services.
 *
 * @example export const speechProviderConfigListSchema = namedList(speechProviderConfigSchema, "speech provider");
 */
export function namedList<T extends z.ZodType<{ name: string }>>(item: T, what: string) {
  return z
    .array(item)
    .refine(
      (entries) => new Set(entries.map((entry) => entry.name)).size === entries.length,
      `${what} names must be unique`,
    );
}
