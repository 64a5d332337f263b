import type { FieldError } from "../../errors/app-error.ts";
import { compileJsonSchema } from "../../lib/json-schema.ts";
import type { ToolChoice, ToolDefinition } from "../../models/language-model.ts";
import type { CompletionBody } from "./openai-chat-request-schema.ts";

/* A request's tools and tool_choice, read into the model layer's tool definitions and choice. */

export function readTools(body: CompletionBody, problems: FieldError[]): ToolDefinition[] | undefined {
  if (!body.tools?.length) return undefined;
  const seen = new Set<string>();
  return body.tools.flatMap((tool, index): ToolDefinition[] => {
    const field = `tools[${index}]`;
    if (tool.type !== "function" || !tool.function) {
      problems.push({
        field: `${field}.type`,
        message: `only function tools are supported (got ${JSON.stringify(tool.type).slice(0, 40)})`,
      });
      return [];
    }
    const { name, description, parameters, strict } = tool.function;
    if (seen.has(name))
      problems.push({ field: `${field}.function.name`, message: `${name} is defined twice` });
    seen.add(name);
    const schema = parameters ?? { type: "object", properties: {} };
    const compiled = compileJsonSchema(schema);
    if (compiled instanceof Error) {
      problems.push({
        field: `${field}.function.parameters`,
        message: `is not a valid JSON schema: ${compiled.message}`,
      });
    }
    return [{ name, parameters: schema, ...(description && { description }), ...(strict && { strict }) }];
  });
}

export function readToolChoice(
  body: CompletionBody,
  tools: ToolDefinition[] | undefined,
  problems: FieldError[],
): ToolChoice | undefined {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === "string") {
    if (choice === "required" && !tools) {
      problems.push({ field: "tool_choice", message: "required needs at least one tool in tools" });
    }
    return choice;
  }
  const name = choice.function.name;
  if (!tools?.some((tool) => tool.name === name)) {
    problems.push({ field: "tool_choice.function.name", message: `${name} is not one of the tools given` });
  }
  return { name };
}
