import {
  generateText,
  jsonSchema,
  NoObjectGeneratedError,
  Output,
  wrapLanguageModel,
  type CallWarning,
  type JSONSchema7,
} from "ai";
import {
  UnparsableOutputError,
  type GenerateObjectResult,
  type GenerateRequest,
  type LanguageModel,
  type ModelCapabilities,
  type ResponseFormat,
} from "./language-model.ts";
import {
  describeSdkWarnings,
  mapSamplingParameters,
  mergeWarnings,
  type ProviderKind,
  type SamplingMapping,
} from "./sampling-mapping.ts";
import { toModelMessages } from "./ai-sdk-messages.ts";
import { abortedResult, toFinishReason, toTokenUsage } from "./ai-sdk-results.ts";
import { retryUpstream } from "./ai-sdk-retry.ts";
import { streamParts } from "./ai-sdk-stream.ts";
import { passThrough, toSdkToolChoice, toSdkTools, toToolCalls } from "./ai-sdk-tools.ts";
import type { RetryOptions } from "./upstream-retry.ts";

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
        const toolCalls = toToolCalls(result.toolCalls, toolArguments);
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

/** Never downloads: URLs go to the upstream as they are (the SDK would otherwise fetch some itself). */
const passUrlsThrough = async (requested: readonly unknown[]) => requested.map(() => null);

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
