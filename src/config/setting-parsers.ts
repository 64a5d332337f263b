import { z } from "zod";
import { providerConfigListSchema, type ProviderConfig } from "../models/provider-config.ts";
import { speechProviderConfigListSchema, type SpeechProviderConfig } from "../speech/speech-config.ts";
import { mediaProviderConfigListSchema, type MediaProviderConfig } from "../media/media-config.ts";

/*
 * The text parsers and validators settings are built from: a setting's value is always text (a flag or an
 * environment variable), turned into a typed value or refused with a message that says what was expected.
 */

export const integerText = (minimum: number, maximum: number, expected: string) =>
  z
    .string()
    .regex(/^\d+$/, `expected ${expected}`)
    .transform(Number)
    .refine((value) => value >= minimum && value <= maximum, `expected ${expected}`);

export const decimalText = (minimum: number, maximum: number, expected: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?(e-?\d+)?$/i, `expected ${expected}`)
    .transform(Number)
    .refine((value) => value >= minimum && value <= maximum, `expected ${expected}`);

export const booleanText = (meaning: string) =>
  z
    .enum(["true", "false", "1", "0"], { message: `expected true or false (${meaning})` })
    .transform((value) => value === "true" || value === "1");

/** Parses as a URL (a port that is not a number, a stray `@` or space does not). */
export function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** An http(s) address without query or fragment (paths are appended to it). */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === "";
  } catch {
    return false;
  }
}

/**
 * A JSON array of service entries checked against `schema`, or one issue that names the first bad field and
 * shows the expected shape.
 */
function parseServiceList<T>(
  text: string,
  context: z.RefinementCtx,
  list: { schema: z.ZodType<T[]>; what: string; expected: string; prefix?: string },
): T[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    context.addIssue({ code: "custom", message: `expected a JSON array of ${list.what}` });
    return z.NEVER;
  }
  const result = list.schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    context.addIssue({
      code: "custom",
      message: `${list.prefix ?? list.what}.${issue?.path.join(".")}: ${issue?.message} (expected ${list.expected})`,
    });
    return z.NEVER;
  }
  return result.data;
}

export function parseProviders(text: string, context: z.RefinementCtx, source: string): ProviderConfig[] {
  return parseServiceList(text, context, {
    schema: providerConfigListSchema,
    what: `providers in ${source}`,
    prefix: "providers",
    expected: `[{"name", "kind": "openai-compatible"|"anthropic", "base_url", "api_key_env", "models"}]`,
  });
}

export function parseSpeechProviders(text: string, context: z.RefinementCtx): SpeechProviderConfig[] {
  return parseServiceList(text, context, {
    schema: speechProviderConfigListSchema,
    what: "speech providers",
    expected: `[{"name", "kind": "azure"|"openai-compatible"|"elevenlabs"|"deepgram", "base_url"|"region", "api_key_env"}]`,
  });
}

export function parseMediaProviders(text: string, context: z.RefinementCtx): MediaProviderConfig[] {
  return parseServiceList(text, context, {
    schema: mediaProviderConfigListSchema,
    what: "media providers",
    expected: `[{"name", "kind": "openai-compatible"|"automatic1111"|"comfyui"|"replicate", "base_url", "api_key_env"}]`,
  });
}

export function parseTierBudgets(
  text: string,
): { basic: number; extended: number; longest: number } | undefined {
  const entries = Object.fromEntries(
    text.split(",").map((part) => part.split("=").map((piece) => piece.trim())),
  );
  const budgets = {
    basic: Number(entries.basic),
    extended: Number(entries.extended),
    longest: Number(entries.longest),
  };
  const valid = Object.values(budgets).every(
    (value) => Number.isInteger(value) && value >= 100 && value <= 2_000_000,
  );
  return valid ? budgets : undefined;
}

const priceSchema = z.record(
  z.string(),
  z.strictObject({ input: z.number().min(0), output: z.number().min(0) }),
);

export function parsePrices(text: string): z.output<typeof priceSchema> | undefined {
  try {
    const result = priceSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
