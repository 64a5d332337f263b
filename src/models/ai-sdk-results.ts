import type { FinishReason as SdkFinishReason, LanguageModelUsage } from "ai";
import type { FinishReason, GenerateResult, StreamPart, TokenUsage } from "./language-model.ts";

/*
 * What the AI SDK reports at the end of a call (usage, finish reason) in Dramatis' result terms,
 * shared by the adapter's generate and stream paths.
 */

/** Upstreams that send no usage (some local servers) give undefined; Dramatis counts never hold NaN. */
export function toTokenUsage(usage: LanguageModelUsage | undefined): TokenUsage {
  return { inputTokens: countOrZero(usage?.inputTokens), outputTokens: countOrZero(usage?.outputTokens) };
}

function countOrZero(count: number | undefined): number {
  return count !== undefined && Number.isFinite(count) ? count : 0;
}

export function toFinishReason(reason: SdkFinishReason): FinishReason {
  if (reason === "tool-calls") return "tool_calls";
  return reason === "stop" || reason === "length" || reason === "error" ? reason : "other";
}

export function abortedResult(partial: { text: string; warnings: string[]; model: string }): GenerateResult {
  return { ...partial, usage: { inputTokens: 0, outputTokens: 0 }, finishReason: "aborted" };
}

export function finishPart(result: GenerateResult): StreamPart {
  return { type: "finish", result };
}
