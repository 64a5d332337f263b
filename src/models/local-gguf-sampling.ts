import type { SamplingParameters } from "./language-model.ts";

/** Tokens generated when a request sets no max_tokens: keeps a model that never emits end-of-text bounded. */
const DEFAULT_MAX_TOKENS = 1024;
/** node-llama-cpp's own default is greedy decoding (0); personas expect some variety. */
const DEFAULT_TEMPERATURE = 0.8;

/**
 * Maps Dramatis sampling onto node-llama-cpp generation options. Penalties share one `repeatPenalty`
 * object; node-llama-cpp accepts frequency and presence penalties between 0 and 1 only.
 */
export function mapLocalSampling(sampling: SamplingParameters | undefined): {
  settings: Record<string, unknown>;
  warnings: string[];
} {
  const warnings: string[] = [];
  const given = (value: number | null | undefined): value is number => value !== null && value !== undefined;
  const settings: Record<string, unknown> = {
    temperature: sampling?.temperature ?? DEFAULT_TEMPERATURE,
    maxTokens: sampling?.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (given(sampling?.top_p)) settings.topP = sampling.top_p;
  if (given(sampling?.top_k)) settings.topK = sampling.top_k;
  if (given(sampling?.min_p)) settings.minP = sampling.min_p;
  if (given(sampling?.seed)) settings.seed = sampling.seed;
  if (sampling?.stop && sampling.stop.length > 0) settings.customStopTriggers = [...sampling.stop];
  const repeatPenalty: Record<string, number> = {};
  if (given(sampling?.repetition_penalty)) repeatPenalty.penalty = sampling.repetition_penalty;
  for (const [name, option] of [
    ["frequency_penalty", "frequencyPenalty"],
    ["presence_penalty", "presencePenalty"],
  ] as const) {
    const value = sampling?.[name];
    if (!given(value)) continue;
    const clamped = Math.min(1, Math.max(0, value));
    if (clamped !== value) warnings.push(`${name} ${value} was clamped to ${clamped}: local supports 0 to 1`);
    repeatPenalty[option] = clamped;
  }
  if (Object.keys(repeatPenalty).length > 0) settings.repeatPenalty = repeatPenalty;
  if (given(sampling?.top_a)) warnings.push("top_a is not supported by local and was ignored");
  return { settings, warnings };
}
