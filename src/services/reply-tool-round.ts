import type {
  ChatMessage,
  GenerateResult,
  LanguageModel,
  ToolCall,
  ToolDefinition,
} from "../models/language-model.ts";
import { joinContinuation } from "./join-continuation.ts";
import { runReplyModel, type ModelRunOptions } from "./reply-model-run.ts";

/** Functions the server answers for the model, with what each call returns (JSON text, for the model). */
export interface ServerTools {
  definitions: ToolDefinition[];
  /** `replyId`: the reply being written (what the tool's work attaches to); null outside a conversation */
  run(call: ToolCall, context: { replyId: string | null }): Promise<string>;
}

/**
 * Runs the server's own tools the model called (the request's tools are the client's to run) and asks
 * the model once more, without tools, for what it says with their results: one answer, usage summed.
 */
export async function withServerToolRound(
  model: LanguageModel,
  options: ModelRunOptions,
  first: GenerateResult,
): Promise<GenerateResult> {
  const tools = options.input.serverTools;
  if (!tools || options.input.tools) return first;
  const calls = (first.toolCalls ?? []).filter((call) =>
    tools.definitions.some((definition) => definition.name === call.name),
  );
  if (calls.length === 0) return first;
  const results: ChatMessage[] = [];
  for (const call of calls) {
    const content = await tools.run(call, { replyId: options.input.replyId ?? null });
    results.push({ role: "tool", toolCallId: call.id, content });
  }
  const second = await runReplyModel(model, {
    ...options,
    followUp: [{ role: "assistant", content: first.text, toolCalls: calls }, ...results],
  });
  return {
    ...second,
    text: joinContinuation(first.text, second.text),
    usage: {
      inputTokens: first.usage.inputTokens + second.usage.inputTokens,
      outputTokens: first.usage.outputTokens + second.usage.outputTokens,
    },
    warnings: [...new Set([...first.warnings, ...second.warnings])],
    toolCalls: [],
  };
}
