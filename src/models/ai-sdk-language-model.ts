import {
  generateText,
  jsonSchema,
  NoObjectGeneratedError,
  Output,
  streamText,
  tool,
  UnsupportedFunctionalityError,
  wrapLanguageModel,
  type CallWarning,
  type FinishReason as SdkFinishReason,
  type JSONSchema7,
  type LanguageModelMiddleware,
  type LanguageModelUsage,
  type TextStreamPart,
  type ToolSet,
} from "ai";
import { z } from "zod";
import { BadRequestError } from "../errors/app-error.ts";
import {
  UnparsableOutputError,
  type FinishReason,
  type GenerateObjectResult,
  type GenerateRequest,
  type GenerateResult,
  type LanguageModel,
  type ModelCapabilities,
  type ResponseFormat,
  type StreamPart,
  type TokenUsage,
  type ToolCall,
} from "./language-model.ts";
import {
  describeSdkWarnings,
  mapSamplingParameters,
  mergeWarnings,
  type ProviderKind,
  type SamplingMapping,
} from "./sampling-mapping.ts";
import { toModelMessages } from "./ai-sdk-messages.ts";
import { classifyUpstreamFailure, withRetry, type RetryOptions } from "./upstream-retry.ts";

// The SDK prints call warnings to the console by default; ours travel in every result's `warnings` instead.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** Retry settings a provider passes to every call; the signal comes from each request. */
export type ProviderRetryOptions = Omit<RetryOptions, "signal">;

type SdkProviderOptions = NonNullable<Parameters<typeof generateText>[0]["providerOptions"]>;

/** An AI SDK provider's model object (what `createOpenAICompatible(...).chatModel()` returns). */
export type SdkModel = Parameters<typeof wrapLanguageModel>[0]["model"];

/** Request features whose wire form differs per provider; each provider's `buildProviderOptions` maps them. */
export interface CallFeatures {
  /** Set only when the request has tools: false = at most one tool call per answer. */
  parallelToolCalls?: boolean | undefined;
  /** Set only for a `json_schema` response format: whether the upstream must follow the schema strictly. */
  strictJsonSchema?: boolean | undefined;
}

export interface AiSdkLanguageModelOptions {
  /** `provider/model`, reported in results. */
  id: string;
  model: SdkModel;
  kind: ProviderKind;
  /** Named in warnings ("min_p is not supported by anthropic"). */
  providerName: string;
  retry?: ProviderRetryOptions;
  /** What the model accepts beyond text; absent: text only. */
  capabilities?: ModelCapabilities | undefined;
  /** Provider-specific options for a call, e.g. extra body fields. */
  buildProviderOptions?: (
    mapping: SamplingMapping,
    purpose: "text" | "object",
    features: CallFeatures,
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
    const tools = purpose === "text" ? toSdkTools(request) : {};
    const format = purpose === "text" ? request.responseFormat : undefined;
    const features: CallFeatures = {
      ...(tools.tools && { parallelToolCalls: request.parallelToolCalls }),
      ...(format?.type === "json_schema" && { strictJsonSchema: format.strict === true }),
    };
    const output = toResponseOutput(format, options.kind);
    // The SDK hands tool calls over parsed; the upstream's own argument text is kept here, by call id.
    const toolArguments = new Map<string, string>();
    const call = {
      model: wrapLanguageModel({
        model: options.model,
        middleware: passThrough({ toolArguments, toolChoice: toSdkToolChoice(request) }),
      }),
      messages: toModelMessages(request.messages, options.kind),
      // Persona prompts are ours, not user input, so system messages in the list are intended.
      allowSystemInMessages: true,
      ...mapping.settings,
      ...tools,
      ...(output && { output }),
      providerOptions: options.buildProviderOptions?.(mapping, purpose, features),
      abortSignal: request.signal,
      // Retries happen once, in withRetry, so attempts and backoff are ours to control.
      maxRetries: 0,
      // Image and file URLs go to the upstream as URLs: this server never fetches a URL a client sent.
      experimental_download: passUrlsThrough,
    };
    const describe = (warnings: CallWarning[] | undefined) =>
      mergeWarnings(mapping.warnings, describeSdkWarnings(warnings, options.providerName));
    return {
      call,
      describe,
      toolArguments,
      retry: { ...options.retry, signal: request.signal },
    };
  };

  return {
    id: options.id,
    ...(options.capabilities && { capabilities: options.capabilities }),

    async generate(request) {
      const { call, describe, retry, toolArguments } = prepare(request, "text");
      try {
        const result = await retryUpstream(() => generateText(call), retry);
        const toolCalls = result.toolCalls.map((sdkCall): ToolCall => ({
          id: sdkCall.toolCallId,
          name: sdkCall.toolName,
          arguments: toolArguments.get(sdkCall.toolCallId) ?? argumentsText(sdkCall.input),
        }));
        return {
          text: result.text,
          ...(toolCalls.length > 0 && { toolCalls }),
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

    async *stream(request) {
      // Inside the generator, so a request refused while mapping fails the iteration, not the call.
      const { call, describe, retry, toolArguments } = prepare(request, "text");
      yield* streamParts({ request, call, describe, retry, toolArguments, model: options.id });
    },

    async generateObject(request): Promise<GenerateObjectResult> {
      const { call, describe, retry } = prepare(request, "object");
      const output = Output.object({
        // No validator: the caller validates; the SDK only parses the JSON.
        schema: jsonSchema(request.schema as JSONSchema7),
        ...(request.schemaName && { name: request.schemaName }),
      });
      const result = await retryUpstream(() => generateText({ ...call, output }), retry);
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
async function* streamParts(context: StreamContext): AsyncGenerator<StreamPart> {
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

/**
 * Like `withRetry`, but a request the provider's API cannot express (an audio part sent to a model
 * API without audio, a file type it has no part for) is the caller's mistake: a 400, not a 502.
 */
async function retryUpstream<T>(operation: () => Promise<T>, retry: RetryOptions): Promise<T> {
  let unsupported: UnsupportedFunctionalityError | undefined;
  try {
    return await withRetry(async () => {
      try {
        return await operation();
      } catch (error) {
        if (UnsupportedFunctionalityError.isInstance(error)) unsupported = error;
        throw error;
      }
    }, retry);
  } catch (error) {
    if (unsupported) {
      const who = retry.provider ? `the model provider ${retry.provider}` : "the model provider";
      throw new BadRequestError(`${who} does not support ${unsupported.functionality}`);
    }
    throw error;
  }
}

/** Never downloads: URLs go to the upstream as they are (the SDK would otherwise fetch some itself). */
const passUrlsThrough = async (requested: readonly unknown[]) => requested.map(() => null);

/**
 * Sits between the SDK and the provider's model: records the upstream's own argument text of each tool
 * call (the SDK parses it into an object, and writing that back out could change its spacing or key
 * order), and sets the tool choice the upstream gets. The SDK itself sees no tool choice ("auto"):
 * given one, it throws when a model ignores it (answers text when a call was required), and a client of
 * this server should get what the model said, as it would from the upstream directly.
 */
function passThrough(options: {
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

/** A tool call's input as JSON text (the SDK keeps unparsable input as its raw text). */
function argumentsText(input: unknown): string {
  return typeof input === "string" ? input : JSON.stringify(input ?? {});
}

/**
 * The request's tools as SDK tools without `execute`, so the SDK returns calls instead of running
 * them. Empty when the request has none. The tool choice goes to the upstream through `passThrough`.
 */
function toSdkTools(request: GenerateRequest): { tools?: ToolSet } {
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
type SdkCallToolChoice = NonNullable<Parameters<SdkModel["doGenerate"]>[0]["toolChoice"]>;

function toSdkToolChoice(request: GenerateRequest): SdkCallToolChoice | undefined {
  const choice = request.toolChoice;
  if (choice === undefined || !request.tools?.length) return undefined;
  return typeof choice === "string" ? { type: choice } : { type: "tool", toolName: choice.name };
}

/**
 * A JSON response format as an SDK output that only sets the upstream's response format and keeps the
 * text as it is: the caller gets what the model wrote, JSON or not (the SDK's own JSON outputs would
 * throw on text that does not parse).
 */
function toResponseOutput(format: ResponseFormat | undefined, kind: ProviderKind) {
  if (!format || format.type === "text") return undefined;
  const text = Output.text();
  return {
    ...text,
    responseFormat: Promise.resolve(
      format.type === "json_object"
        ? // Anthropic has no schemaless JSON mode (the SDK would drop it with a warning); any object
          // makes the SDK ask through its forced "json" tool, whose input comes back as the text.
          kind === "anthropic"
          ? { type: "json" as const, schema: { type: "object" } as JSONSchema7 }
          : { type: "json" as const }
        : {
            type: "json" as const,
            schema: format.schema as JSONSchema7,
            name: format.name,
            ...(format.description !== undefined && { description: format.description }),
          },
    ),
  };
}

/** Upstreams that send no usage (some local servers) give undefined; Dramatis counts never hold NaN. */
function toTokenUsage(usage: LanguageModelUsage | undefined): TokenUsage {
  return { inputTokens: countOrZero(usage?.inputTokens), outputTokens: countOrZero(usage?.outputTokens) };
}

function countOrZero(count: number | undefined): number {
  return count !== undefined && Number.isFinite(count) ? count : 0;
}

function toFinishReason(reason: SdkFinishReason): FinishReason {
  if (reason === "tool-calls") return "tool_calls";
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
