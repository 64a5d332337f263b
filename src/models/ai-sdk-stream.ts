import { streamText, type CallWarning, type TextStreamPart, type ToolSet } from "ai";
import type { FinishReason, GenerateRequest, StreamPart, ToolCall } from "./language-model.ts";
import { abortedResult, finishPart, toFinishReason, toTokenUsage } from "./ai-sdk-results.ts";
import { retryUpstream } from "./ai-sdk-retry.ts";
import { argumentsText } from "./ai-sdk-tools.ts";
import { mergeWarnings } from "./sampling-mapping.ts";
import { classifyUpstreamFailure, type RetryOptions } from "./upstream-retry.ts";

type SdkPart = TextStreamPart<ToolSet>;

export interface StreamContext {
  request: GenerateRequest;
  call: Parameters<typeof streamText>[0];
  describe: (warnings: CallWarning[] | undefined) => string[];
  retry: RetryOptions;
  /** The upstream's argument text of each tool call, by call id (filled while the stream runs). */
  toolArguments: Map<string, string>;
  model: string;
}

interface StreamedToolCall extends ToolCall {
  index: number;
  /** The SDK reported the call whole (its arguments all arrived). */
  complete: boolean;
}

/**
 * Streams text deltas and tool call pieces, then exactly one finish part. Failures before the first
 * delta or tool call are retried (nothing has reached the user yet); after it, the partial text is kept
 * and the finish part says "error" with the upstream message in its warnings. Aborting never throws.
 *
 * Tool calls are numbered in the order they start; a call the SDK reports whole (no input pieces
 * before it) gets its start and all its arguments as one delta. The finish holds the calls that
 * arrived whole (one cut off by an abort or a failure is left out).
 */
export async function* streamParts(context: StreamContext): AsyncGenerator<StreamPart> {
  const { request } = context;
  // Cancelling the SDK's stream does not reach the HTTP request (the SDK tees it), so a consumer
  // that stops reading early aborts the request through this controller instead.
  const stopped = new AbortController();
  const abortSignal = request.signal ? AbortSignal.any([request.signal, stopped.signal]) : stopped.signal;
  let opened: OpenedStream;
  try {
    opened = await retryUpstream(() => openStream({ ...context.call, abortSignal }), context.retry);
  } catch (error) {
    if (request.signal?.aborted) {
      yield finishPart(
        abortedResult({ text: "", warnings: context.describe(undefined), model: context.model }),
      );
      return;
    }
    throw error;
  }
  const state = {
    text: "",
    usage: { inputTokens: 0, outputTokens: 0 },
    finishReason: "other" as FinishReason,
    sdkWarnings: [] as CallWarning[],
    failures: [] as string[],
  };
  const toolCalls = new Map<string, StreamedToolCall>();
  const startCall = (id: string, name: string): StreamedToolCall => {
    const started = { index: toolCalls.size, id, name, arguments: "", complete: false };
    toolCalls.set(id, started);
    return started;
  };
  try {
    for await (const part of replayThenContinue(opened)) {
      if (part.type === "text-delta") {
        state.text += part.text;
        yield { type: "delta", text: part.text };
      } else if (part.type === "tool-input-start") {
        if (!toolCalls.has(part.id)) {
          const started = startCall(part.id, part.toolName);
          yield { type: "tool-call-start", index: started.index, id: started.id, name: started.name };
        }
      } else if (part.type === "tool-input-delta") {
        const streamed = toolCalls.get(part.id);
        if (streamed && part.delta) {
          streamed.arguments += part.delta;
          yield { type: "tool-call-delta", index: streamed.index, argumentsDelta: part.delta };
        }
      } else if (part.type === "tool-call") {
        const whole = context.toolArguments.get(part.toolCallId) ?? argumentsText(part.input);
        const streamed = toolCalls.get(part.toolCallId);
        if (streamed) {
          streamed.arguments = context.toolArguments.get(part.toolCallId) ?? (streamed.arguments || whole);
          streamed.complete = true;
        } else {
          const started = startCall(part.toolCallId, part.toolName);
          started.arguments = whole;
          started.complete = true;
          yield { type: "tool-call-start", index: started.index, id: started.id, name: started.name };
          if (whole) yield { type: "tool-call-delta", index: started.index, argumentsDelta: whole };
        }
      } else if (part.type === "start-step") {
        state.sdkWarnings.push(...part.warnings);
      } else if (part.type === "finish") {
        state.usage = toTokenUsage(part.totalUsage);
        state.finishReason = toFinishReason(part.finishReason);
      } else if (part.type === "abort") {
        state.finishReason = "aborted";
      } else if (part.type === "error") {
        state.finishReason = "error";
        state.failures.push(
          `the upstream failed mid-answer: ${classifyUpstreamFailure(part.error, context.retry).detail}`,
        );
        break;
      }
    }
  } finally {
    stopped.abort();
    await cancelStream(opened.iterator);
  }
  // A call cut off by an abort or a failure has half its arguments: the finish holds whole calls only.
  const calls = [...toolCalls.values()]
    .filter((call) => call.complete)
    .map(({ id, name, arguments: text }) => ({ id, name, arguments: text }));
  yield finishPart({
    text: state.text,
    ...(calls.length > 0 && { toolCalls: calls }),
    usage: state.usage,
    finishReason: request.signal?.aborted ? "aborted" : state.finishReason,
    warnings: mergeWarnings(context.describe(state.sdkWarnings), state.failures),
    model: context.model,
  });
}

interface OpenedStream {
  iterator: AsyncIterator<SdkPart>;
  /** Parts read while deciding whether the attempt succeeded; replayed before the rest. */
  buffered: SdkPart[];
}

/** The parts that show a stream attempt succeeded: after one of them nothing is retried. */
const STARTED_PARTS: ReadonlySet<SdkPart["type"]> = new Set([
  "text-delta",
  "tool-input-start",
  "tool-call",
  "finish",
  "abort",
]);

/**
 * Starts a stream and reads until it produces text or a tool call, finishes or aborts. The AI SDK reports HTTP
 * and connection failures as an error part rather than an exception, so an error part here is
 * rethrown for `withRetry` to judge.
 */
async function openStream(call: StreamContext["call"]): Promise<OpenedStream> {
  // The error part is handled below; the SDK's default onError would also print it.
  const result = streamText({ ...call, onError: () => {} });
  const iterator = result.fullStream[Symbol.asyncIterator]();
  const buffered: SdkPart[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      return { iterator, buffered };
    }
    if (next.value.type === "error") {
      await cancelStream(iterator);
      throw next.value.error;
    }
    buffered.push(next.value);
    if (STARTED_PARTS.has(next.value.type)) {
      return { iterator, buffered };
    }
  }
}

/**
 * Cancels the upstream request when the consumer stops early or a stream broke. Cancelling a
 * stream that already failed rejects with that failure again, which is already handled.
 */
async function cancelStream(iterator: AsyncIterator<SdkPart>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // Already reported through the error part.
  }
}

/**
 * Replays the buffered parts, then reads the rest. A connection lost mid-body makes the SDK's
 * stream reject instead of emitting an error part; both arrive here as an error part.
 */
async function* replayThenContinue(opened: OpenedStream): AsyncGenerator<SdkPart> {
  yield* opened.buffered;
  for (;;) {
    let next: IteratorResult<SdkPart>;
    try {
      next = await opened.iterator.next();
    } catch (error) {
      yield { type: "error", error };
      return;
    }
    if (next.done) {
      return;
    }
    yield next.value;
  }
}
