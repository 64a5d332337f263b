import {
  generateText,
  jsonSchema,
  NoObjectGeneratedError,
  Output,
  streamText,
  type CallWarning,
  type FinishReason as SdkFinishReason,
  type JSONSchema7,
  type LanguageModel as SdkLanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  type TextStreamPart,
  type ToolSet,
} from "ai";
import { z } from "zod";
import {
  UnparsableOutputError,
  type ChatMessage,
  type FinishReason,
  type GenerateObjectResult,
  type GenerateRequest,
  type GenerateResult,
  type LanguageModel,
  type StreamPart,
  type TokenUsage,
} from "./language-model.ts";
import {
  describeSdkWarnings,
  mapSamplingParameters,
  mergeWarnings,
  type ProviderKind,
  type SamplingMapping,
} from "./sampling-mapping.ts";
import { classifyUpstreamFailure, withRetry, type RetryOptions } from "./upstream-retry.ts";

// The SDK prints call warnings to the console by default; ours travel in every result's `warnings` instead.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** Retry settings a provider passes to every call; the signal comes from each request. */
export type ProviderRetryOptions = Omit<RetryOptions, "signal">;

type SdkProviderOptions = NonNullable<Parameters<typeof generateText>[0]["providerOptions"]>;

export interface AiSdkLanguageModelOptions {
  /** `provider/model`, reported in results. */
  id: string;
  model: SdkLanguageModel;
  kind: ProviderKind;
  /** Named in warnings ("min_p is not supported by anthropic"). */
  providerName: string;
  retry?: ProviderRetryOptions;
  /** Provider-specific options for a call, e.g. extra body fields. */
  buildProviderOptions?: (
    mapping: SamplingMapping,
    purpose: "text" | "object",
  ) => SdkProviderOptions | undefined;
}

/**
 * Adapts an AI SDK model to Dramatis' `LanguageModel`: maps sampling, retries upstream failures,
 * turns aborts into an "aborted" result instead of an exception, and reports usage as numbers
 * (0 when an upstream sends none).
 *
 * Shared by the OpenAI-compatible and Anthropic providers.
 *
 * @example
 * const model = createAiSdkLanguageModel({
 *   id: "anthropic/claude-haiku-4-5",
 *   model: createAnthropic({ apiKey }).languageModel("claude-haiku-4-5"),
 *   kind: "anthropic",
 *   providerName: "anthropic",
 * });
 */
export function createAiSdkLanguageModel(options: AiSdkLanguageModelOptions): LanguageModel {
  const prepare = (request: GenerateRequest, purpose: "text" | "object") => {
    const mapping = mapSamplingParameters(request.sampling, {
      kind: options.kind,
      providerName: options.providerName,
    });
    const call = {
      model: options.model,
      messages: toModelMessages(request.messages),
      // Persona prompts are ours, not user input, so system messages in the list are intended.
      allowSystemInMessages: true,
      ...mapping.settings,
      providerOptions: options.buildProviderOptions?.(mapping, purpose),
      abortSignal: request.signal,
      // Retries happen once, in withRetry, so attempts and backoff are ours to control.
      maxRetries: 0,
    };
    const describe = (warnings: CallWarning[] | undefined) =>
      mergeWarnings(mapping.warnings, describeSdkWarnings(warnings, options.providerName));
    return { call, describe, retry: { ...options.retry, signal: request.signal } };
  };

  return {
    id: options.id,

    async generate(request) {
      const { call, describe, retry } = prepare(request, "text");
      try {
        const result = await withRetry(() => generateText(call), retry);
        return {
          text: result.text,
          usage: toTokenUsage(result.totalUsage),
          finishReason: toFinishReason(result.finishReason),
          warnings: describe(result.warnings),
          model: options.id,
        };
      } catch (error) {
        if (request.signal?.aborted) {
          return abortedResult({ text: "", warnings: describe(undefined), model: options.id });
        }
        throw error;
      }
    },

    stream(request) {
      const { call, describe, retry } = prepare(request, "text");
      return streamParts({ request, call, describe, retry, model: options.id });
    },

    async generateObject(request): Promise<GenerateObjectResult> {
      const { call, describe, retry } = prepare(request, "object");
      const output = Output.object({
        // No validator: the caller validates; the SDK only parses the JSON.
        schema: jsonSchema(request.schema as JSONSchema7),
        ...(request.schemaName && { name: request.schemaName }),
      });
      const result = await withRetry(() => generateText({ ...call, output }), retry);
      let object: unknown;
      try {
        object = result.output;
      } catch (error) {
        // The model answered, but not with JSON: callers decide whether to ask again.
        if (NoObjectGeneratedError.isInstance(error)) {
          throw new UnparsableOutputError(error.text ?? result.text, toTokenUsage(result.totalUsage));
        }
        throw error;
      }
      return {
        object,
        usage: toTokenUsage(result.totalUsage),
        model: options.id,
        warnings: describe(result.warnings),
      };
    },
  };
}

type SdkPart = TextStreamPart<ToolSet>;

interface StreamContext {
  request: GenerateRequest;
  call: Parameters<typeof streamText>[0];
  describe: (warnings: CallWarning[] | undefined) => string[];
  retry: RetryOptions;
  model: string;
}

/**
 * Streams text deltas, then exactly one finish part. Failures before the first delta are retried
 * (nothing has reached the user yet); after it, the partial text is kept and the finish part says
 * "error" with the upstream message in its warnings. Aborting never throws.
 */
async function* streamParts(context: StreamContext): AsyncGenerator<StreamPart> {
  const { request } = context;
  // Cancelling the SDK's stream does not reach the HTTP request (the SDK tees it), so a consumer
  // that stops reading early aborts the request through this controller instead.
  const stopped = new AbortController();
  const abortSignal = request.signal ? AbortSignal.any([request.signal, stopped.signal]) : stopped.signal;
  let opened: OpenedStream;
  try {
    opened = await withRetry(() => openStream({ ...context.call, abortSignal }), context.retry);
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
  try {
    for await (const part of replayThenContinue(opened)) {
      if (part.type === "text-delta") {
        state.text += part.text;
        yield { type: "delta", text: part.text };
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
  yield finishPart({
    text: state.text,
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

/**
 * Starts a stream and reads until it produces text, finishes or aborts. The AI SDK reports HTTP
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
    if (["text-delta", "finish", "abort"].includes(next.value.type)) {
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

/**
 * Fetches model ids from an OpenAI-style list (`{ data: [{ id }] }`, which Anthropic also uses).
 * Returns an empty list on any failure: listing is a convenience and must not break start-up.
 *
 * @example
 * await fetchModelIds({ url: "http://127.0.0.1:11434/v1/models" }); // ["llama3.2:1b", ...]
 */
export async function fetchModelIds(options: {
  url: string;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  /** Credentials sent with the request: an id containing one (an upstream echoing them) is dropped. */
  secrets?: readonly (string | undefined)[];
}): Promise<string[]> {
  const secrets = (options.secrets ?? []).filter((secret): secret is string => (secret?.length ?? 0) >= 4);
  const fetchFunction = options.fetch ?? globalThis.fetch;
  try {
    const response = await fetchFunction(options.url, {
      headers: options.headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
    if (!response.ok) {
      return [];
    }
    const parsed = modelListSchema.safeParse(await response.json());
    return parsed.success
      ? parsed.data.data
          .map((model) => model.id)
          .filter((id) => !secrets.some((secret) => id.includes(secret)))
      : [];
  } catch {
    return [];
  }
}

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

function toModelMessages(messages: ChatMessage[]): ModelMessage[] {
  // Placeholder until tool and content parts are mapped: text messages only.
  return messages.flatMap((message) =>
    message.role === "tool" ? [] : [{ role: message.role, content: message.content }],
  );
}

/** Upstreams that send no usage (some local servers) give undefined; Dramatis counts never hold NaN. */
function toTokenUsage(usage: LanguageModelUsage | undefined): TokenUsage {
  return { inputTokens: countOrZero(usage?.inputTokens), outputTokens: countOrZero(usage?.outputTokens) };
}

function countOrZero(count: number | undefined): number {
  return count !== undefined && Number.isFinite(count) ? count : 0;
}

function toFinishReason(reason: SdkFinishReason): FinishReason {
  return reason === "stop" || reason === "length" || reason === "error" ? reason : "other";
}

function abortedResult(partial: { text: string; warnings: string[]; model: string }): GenerateResult {
  return { ...partial, usage: { inputTokens: 0, outputTokens: 0 }, finishReason: "aborted" };
}

function finishPart(result: GenerateResult): StreamPart {
  return { type: "finish", result };
}

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
