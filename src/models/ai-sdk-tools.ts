import { jsonSchema, tool, type JSONSchema7, type LanguageModelMiddleware, type ToolSet } from "ai";
import type { GenerateRequest, ToolCall } from "./language-model.ts";

/*
 * Tools on the AI SDK path: the request's tool definitions and tool choice in the SDK's terms, and the
 * calls the model made back in ours. The SDK never runs a tool here: calls go back to the caller.
 */

/**
 * The request's tools as SDK tools without `execute`, so the SDK returns calls instead of running
 * them. Empty when the request has none. The tool choice goes to the upstream through `passThrough`.
 */
export function toSdkTools(request: GenerateRequest): { tools?: ToolSet } {
  if (!request.tools?.length) return {};
  const tools: ToolSet = Object.fromEntries(
    request.tools.map((definition) => [
      definition.name,
      tool({
        ...(definition.description !== undefined && { description: definition.description }),
        inputSchema: jsonSchema(definition.parameters as JSONSchema7),
        ...(definition.strict !== undefined && { strict: definition.strict }),
      }),
    ]),
  );
  return { tools };
}

/** The tool choice as the provider's model takes it (set by `passThrough`, not given to the SDK). */
type SdkCallToolChoice = NonNullable<
  Parameters<NonNullable<LanguageModelMiddleware["transformParams"]>>[0]["params"]["toolChoice"]
>;

export function toSdkToolChoice(request: GenerateRequest): SdkCallToolChoice | undefined {
  const choice = request.toolChoice;
  if (choice === undefined || !request.tools?.length) return undefined;
  return typeof choice === "string" ? { type: choice } : { type: "tool", toolName: choice.name };
}

/**
 * Sits between the SDK and the provider's model: records the upstream's own argument text of each tool
 * call (the SDK parses it into an object, and writing that back out could change its spacing or key
 * order), and sets the tool choice the upstream gets. The SDK itself sees no tool choice ("auto"):
 * given one, it throws when a model ignores it (answers text when a call was required), and a client of
 * this server should get what the model said, as it would from the upstream directly.
 */
export function passThrough(options: {
  toolArguments: Map<string, string>;
  toolChoice: SdkCallToolChoice | undefined;
}): LanguageModelMiddleware {
  const into = options.toolArguments;
  return {
    specificationVersion: "v3",
    async transformParams({ params }) {
      return options.toolChoice && params.tools?.length
        ? { ...params, toolChoice: options.toolChoice }
        : params;
    },
    async wrapGenerate({ doGenerate }) {
      const result = await doGenerate();
      for (const part of result.content) {
        if (part.type === "tool-call") into.set(part.toolCallId, part.input);
      }
      return result;
    },
    async wrapStream({ doStream }) {
      const { stream, ...rest } = await doStream();
      return {
        ...rest,
        stream: stream.pipeThrough(
          new TransformStream({
            transform(part, controller) {
              if (part.type === "tool-call") into.set(part.toolCallId, part.input);
              controller.enqueue(part);
            },
          }),
        ),
      };
    },
  };
}

/** The SDK's tool calls of a whole answer, with the argument text `passThrough` recorded for each. */
export function toToolCalls(
  sdkCalls: readonly { toolCallId: string; toolName: string; input: unknown }[],
  toolArguments: ReadonlyMap<string, string>,
): ToolCall[] {
  return sdkCalls.map((sdkCall) => ({
    id: sdkCall.toolCallId,
    name: sdkCall.toolName,
    arguments: toolArguments.get(sdkCall.toolCallId) ?? argumentsText(sdkCall.input),
  }));
}

/** A tool call's input as JSON text (the SDK keeps unparsable input as its raw text). */
export function argumentsText(input: unknown): string {
  return typeof input === "string" ? input : JSON.stringify(input ?? {});
}
