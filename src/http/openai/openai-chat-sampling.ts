import type { SamplingParameters } from "../../models/language-model.ts";
import type { CompletionBody } from "./openai-chat-request-schema.ts";

/** The sampling fields a request set (max_completion_tokens over max_tokens, stop as a list). */
export function samplingFrom(body: CompletionBody): SamplingParameters {
  const stop = body.stop === null || body.stop === undefined ? undefined : [body.stop].flat();
  const values: SamplingParameters = {
    temperature: body.temperature,
    top_p: body.top_p,
    top_k: body.top_k,
    min_p: body.min_p,
    top_a: body.top_a,
    repetition_penalty: body.repetition_penalty,
    frequency_penalty: body.frequency_penalty,
    presence_penalty: body.presence_penalty,
    max_tokens: body.max_completion_tokens ?? body.max_tokens,
    seed: body.seed,
    ...(stop ? { stop } : {}),
  };
  // Absent and null both mean "the persona's own setting".
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined && value !== null),
  ) as SamplingParameters;
}
