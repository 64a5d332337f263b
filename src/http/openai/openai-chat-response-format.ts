import type { FieldError } from "../../errors/app-error.ts";
import { compileJsonSchema } from "../../lib/json-schema.ts";
import type { ResponseFormat } from "../../models/language-model.ts";
import type { CompletionBody } from "./openai-chat-request-schema.ts";

/**
 * A request's response_format in the model layer's terms: text is the default (undefined), a
 * json_schema format needs a schema that compiles; problems go to `problems`.
 */
export function readResponseFormat(body: CompletionBody, problems: FieldError[]): ResponseFormat | undefined {
  const format = body.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, description, schema, strict } = format.json_schema;
  if (!schema) {
    problems.push({
      field: "response_format.json_schema.schema",
      message: "a json_schema format needs its schema",
    });
    return undefined;
  }
  const compiled = compileJsonSchema(schema);
  if (compiled instanceof Error) {
    problems.push({
      field: "response_format.json_schema.schema",
      message: `is not a valid JSON schema: ${compiled.message}`,
    });
  }
  return {
    type: "json_schema",
    name,
    schema,
    ...(description && { description }),
    ...(strict && { strict }),
  };
}
