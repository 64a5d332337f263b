import { BadRequestError, type FieldError } from "../../errors/app-error.ts";
import type {
  ChatMessage,
  ResponseFormat,
  SamplingParameters,
  ToolChoice,
  ToolDefinition,
} from "../../models/language-model.ts";
import { readMessage, unansweredToolCalls } from "./openai-chat-messages.ts";
import { completionRequestSchema, type CompletionBody } from "./openai-chat-request-schema.ts";
import { readResponseFormat } from "./openai-chat-response-format.ts";
import { samplingFrom } from "./openai-chat-sampling.ts";
import { readTools, readToolChoice } from "./openai-chat-tools.ts";

/*
 * An OpenAI chat completion request as Dramatis reads it: its translation into the model layer's
 * messages, tools and response format (the schema, what the OpenAPI document shows, is in
 * openai-chat-request-schema.ts). Every field OpenAI defines is either honoured, refused with a 400
 * naming it, or ignored with a warning the response carries (docs/openai-compatibility.md lists which
 * is which).
 */

/** What the service needs from a request, in the model layer's terms. */
export interface TranslatedRequest {
  /** In request order (developer messages read as system), so `messages[i]` names the same message. */
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  sampling: SamplingParameters;
  /** Fields accepted but not acted on, as sentences for the `X-Dramatis-Warnings` header. */
  warnings: string[];
}

/** Fields refused with a 400: acting as if they were honoured would give a client wrong answers. */
const REFUSED_FIELDS: Record<string, string> = {
  functions: "the legacy functions field is not supported; send tools",
  function_call: "the legacy function_call field is not supported; send tool_choice",
  audio: "audio output is not available on this endpoint",
  web_search_options: "web search is not available on this endpoint",
};

/** Fields accepted and ignored, with why: they change nothing a client relies on. */
const IGNORED_FIELDS: Record<string, string> = {
  logit_bias: "logit_bias is ignored: personas' models are not all able to bias tokens",
  metadata: "metadata is ignored: Dramatis records usage per persona and user instead",
  store: "store is ignored: completions are not stored (conversations are, on /v1/conversations)",
  service_tier: "service_tier is ignored",
  prediction: "prediction is ignored",
  reasoning_effort: "reasoning_effort is ignored: the persona's model settings apply",
  verbosity: "verbosity is ignored: the persona's own verbosity applies",
  prompt_cache_key: "prompt_cache_key is ignored",
  safety_identifier: "safety_identifier is ignored",
  modalities: "modalities is ignored: answers are text",
};

const KNOWN_FIELDS = new Set([...Object.keys(completionRequestSchema.shape), ...Object.keys(IGNORED_FIELDS)]);

/**
 * Translates a validated OpenAI request, or throws a 400 naming the first field it cannot honour.
 *
 * @example translateRequest({ model: "persona/psn_1", messages: [{ role: "user", content: "Hi" }] }).messages
 * // [{ role: "user", content: "Hi" }]
 */
export function translateRequest(body: CompletionBody): TranslatedRequest {
  const raw = body as Record<string, unknown>;
  const problems: FieldError[] = [];
  for (const [field, message] of Object.entries(REFUSED_FIELDS)) {
    if (raw[field] !== undefined && raw[field] !== null) problems.push({ field, message });
  }
  if (body.logprobs === true || (body.top_logprobs ?? 0) > 0) {
    problems.push({
      field: body.logprobs === true ? "logprobs" : "top_logprobs",
      message:
        "log probabilities are not available: personas answer through models that do not all expose them",
    });
  }
  const modalities = raw.modalities;
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== "text")) {
    problems.push({ field: "modalities", message: "only text answers are available on this endpoint" });
  }
  const messages = body.messages.map((message, index) => readMessage(message, index, problems));
  problems.push(...unansweredToolCalls(messages));
  const tools = readTools(body, problems);
  const toolChoice = readToolChoice(body, tools, problems);
  const responseFormat = readResponseFormat(body, problems);
  if (problems.length > 0)
    throw new BadRequestError(`${problems[0]!.field}: ${problems[0]!.message}`, problems);
  const warnings = [
    ...Object.entries(IGNORED_FIELDS)
      .filter(([field]) => raw[field] !== undefined && raw[field] !== null && field !== "modalities")
      .map(([, message]) => message),
    ...Object.keys(raw)
      .filter((field) => !KNOWN_FIELDS.has(field))
      .map((field) => `${field} is not an OpenAI chat completion field Dramatis knows; it was ignored`),
  ];
  return {
    messages,
    ...(tools && { tools }),
    ...(toolChoice && { toolChoice }),
    ...(typeof body.parallel_tool_calls === "boolean" && { parallelToolCalls: body.parallel_tool_calls }),
    ...(responseFormat && { responseFormat }),
    sampling: samplingFrom(body),
    warnings,
  };
}
