import type { SamplingParameters } from "./language-model.ts";

/** The wire families Dramatis speaks; each supports a different set of sampling parameters. */
export type ProviderKind = "openai-compatible" | "anthropic";

/** The standard AI SDK call settings (`generateText` / `streamText`) that sampling maps onto. */
export interface SdkCallSettings {
  temperature?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
}

/** What a provider should send: standard settings, extra request-body fields, and what it ignored. */
export interface SamplingMapping {
  settings: SdkCallSettings;
  /**
   * Non-standard fields to merge into the upstream request body (snake_case, as the wire expects).
   * Only OpenAI-compatible endpoints get these: OpenRouter, vLLM and llama.cpp accept them.
   */
  extraBody: Record<string, number>;
  warnings: string[];
}

/** The AI SDK's call warning, structurally (`SharedV3Warning`), so callers need not import provider types. */
export type SdkWarning =
  | { type: "unsupported" | "compatibility"; feature: string; details?: string }
  | { type: "other"; message: string };

type NumericParameter = Exclude<keyof SamplingParameters, "stop">;

/** Dramatis parameter -> standard AI SDK setting, for parameters the SDK itself knows. */
const standardSettingNames = {
  temperature: "temperature",
  top_p: "topP",
  top_k: "topK",
  frequency_penalty: "frequencyPenalty",
  presence_penalty: "presencePenalty",
  max_tokens: "maxOutputTokens",
  seed: "seed",
} as const satisfies Partial<Record<NumericParameter, keyof SdkCallSettings>>;

type StandardParameter = keyof typeof standardSettingNames;

/**
 * How each provider kind treats each numeric parameter: sent as a standard setting, sent as an
 * extra body field, or ignored with a warning. `top_k` goes into the body for OpenAI-compatible
 * endpoints because the AI SDK drops the standard `topK` there (with a warning) although the
 * popular local and routing servers accept `top_k`.
 */
const parameterSupport: Record<ProviderKind, Record<NumericParameter, "standard" | "body" | "ignored">> = {
  "openai-compatible": {
    temperature: "standard",
    top_p: "standard",
    top_k: "body",
    min_p: "body",
    top_a: "body",
    repetition_penalty: "body",
    frequency_penalty: "standard",
    presence_penalty: "standard",
    max_tokens: "standard",
    seed: "standard",
  },
  anthropic: {
    temperature: "standard",
    top_p: "standard",
    top_k: "standard",
    min_p: "ignored",
    top_a: "ignored",
    repetition_penalty: "ignored",
    frequency_penalty: "ignored",
    presence_penalty: "ignored",
    max_tokens: "standard",
    seed: "ignored",
  },
};

/** AI SDK feature names in warnings -> the Dramatis names people configured. */
const dramatisNamesOfSdkFeatures: Record<string, string> = {
  temperature: "temperature",
  topP: "top_p",
  topK: "top_k",
  frequencyPenalty: "frequency_penalty",
  presencePenalty: "presence_penalty",
  maxOutputTokens: "max_tokens",
  stopSequences: "stop",
  seed: "seed",
  responseFormat: "response format",
};

/**
 * Maps Dramatis sampling parameters onto what a provider kind can send. Unsupported parameters are
 * dropped with a sentence in `warnings`, never an error: a persona tuned for one backend must
 * still work on another.
 *
 * @example
 * mapSamplingParameters({ temperature: 0.7, min_p: 0.05 }, { kind: "anthropic" });
 * // { settings: { temperature: 0.7 }, extraBody: {},
 * //   warnings: ["min_p is not supported by anthropic and was ignored"] }
 */
export function mapSamplingParameters(
  sampling: SamplingParameters | undefined,
  options: { kind: ProviderKind; providerName?: string },
): SamplingMapping {
  const providerName = options.providerName ?? options.kind;
  const support = parameterSupport[options.kind];
  const mapping: SamplingMapping = { settings: {}, extraBody: {}, warnings: [] };
  for (const parameter of Object.keys(support) as NumericParameter[]) {
    const value = sampling?.[parameter];
    if (value === null || value === undefined) {
      continue;
    }
    const treatment = support[parameter];
    if (treatment === "standard" && isStandardParameter(parameter)) {
      mapping.settings[standardSettingNames[parameter]] = value;
    } else if (treatment === "body") {
      mapping.extraBody[parameter] = value;
    } else {
      mapping.warnings.push(describeIgnoredParameter(parameter, providerName));
    }
  }
  if (sampling?.stop && sampling.stop.length > 0) {
    mapping.settings.stopSequences = [...sampling.stop];
  }
  return mapping;
}

/**
 * Turns AI SDK call warnings into sentences using Dramatis parameter names.
 *
 * @example
 * describeSdkWarnings([{ type: "unsupported", feature: "topK" }], "openai");
 * // ["top_k is not supported by openai and was ignored"]
 */
export function describeSdkWarnings(
  warnings: readonly SdkWarning[] | undefined,
  providerName: string,
): string[] {
  return (warnings ?? []).map((warning) => describeSdkWarning(warning, providerName));
}

/**
 * Joins warning lists, dropping repeats (the same warning arrives once per retry attempt or step).
 *
 * @example
 * mergeWarnings(["a"], ["a", "b"]); // ["a", "b"]
 */
export function mergeWarnings(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())];
}

function isStandardParameter(parameter: NumericParameter): parameter is StandardParameter {
  return parameter in standardSettingNames;
}

function describeIgnoredParameter(parameter: string, providerName: string): string {
  return `${parameter} is not supported by ${providerName} and was ignored`;
}

function describeSdkWarning(warning: SdkWarning, providerName: string): string {
  if (warning.type === "other") {
    return warning.message;
  }
  const name = dramatisNamesOfSdkFeatures[warning.feature] ?? warning.feature;
  if (warning.details) {
    return `${name}: ${warning.details}`;
  }
  return warning.type === "unsupported"
    ? describeIgnoredParameter(name, providerName)
    : `${name} is used in a compatibility mode by ${providerName}`;
}
