import { z } from "@hono/zod-openapi";

/*
 * The OpenAI chat completion request schema as the OpenAPI document shows it. It admits every field
 * OpenAI defines (and unknown ones), so `translateRequest` can refuse or warn about each by name.
 */

/** Any part: checked one by one in `readParts`, so an unknown type is a 400 naming its place. */
const contentPartSchema = z.looseObject({ type: z.string() }).openapi("ChatContentPart", {
  description:
    "text, image_url, input_audio, file (with file_data), or refusal (assistant). Parts a persona's model " +
    "cannot take are a 400 naming the part.",
});

const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const completionMessageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
  name: z.string().max(200).optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  tool_call_id: z.string().optional(),
});

const functionToolSchema = z.looseObject({
  type: z.string(),
  function: z
    .object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    })
    .optional(),
});

const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
]);

const responseFormatSchema = z.union([
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const sampling = (minimum: number, maximum: number) =>
  z.number().min(minimum).max(maximum).nullable().optional();

export const completionRequestSchema = z
  .looseObject({
    model: z.string().min(1).openapi({ example: "persona/psn_01jc8x7k3m9q2r4t6v8w0y2z4a" }),
    messages: z.array(completionMessageSchema).min(1, "must contain at least one message"),
    persona_id: z.string().optional().openapi({ description: "Dramatis: the persona to answer as" }),
    user: z
      .string()
      .max(200)
      .optional()
      .openapi({
        description:
          "The end user, for API-key requests only (else X-Dramatis-User); ignored for a signed-in session, " +
          "which always acts as its own user",
      }),
    stream: z.boolean().nullable().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    n: z.literal(1, { message: "only n=1 is supported" }).nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    max_tokens: z.number().int().min(1).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).nullable().optional(),
    temperature: sampling(0, 2),
    top_p: sampling(0, 1),
    frequency_penalty: sampling(-2, 2),
    presence_penalty: sampling(-2, 2),
    seed: z.number().int().nullable().optional(),
    top_k: z.number().int().min(0).nullable().optional().openapi({ description: "Not OpenAI: passed on" }),
    min_p: sampling(0, 1).openapi({ description: "Not OpenAI: passed on" }),
    top_a: sampling(0, 1).openapi({ description: "Not OpenAI: passed on" }),
    repetition_penalty: sampling(0, 10).openapi({ description: "Not OpenAI: passed on" }),
    tools: z.array(functionToolSchema).max(128, "at most 128 tools").nullable().optional(),
    tool_choice: toolChoiceSchema.nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    response_format: responseFormatSchema.nullable().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  })
  .openapi("ChatCompletionRequest");

export type CompletionBody = z.infer<typeof completionRequestSchema>;

export type RequestMessage = CompletionBody["messages"][number];
