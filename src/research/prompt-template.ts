import type { FieldError } from "../errors/app-error.ts";

/**
 * A skill's prompt template: `{{persona.<field>}}` and `{{context.<key>}}` tags, with optional spaces
 * inside the braces. Checking happens when a skill is saved; rendering happens once per run and never
 * re-reads a rendered value as a tag, so persona or context text cannot inject variables.
 */

export const TEMPLATE_PERSONA_VARIABLES = [
  "name",
  "age",
  "sex",
  "location",
  "occupation",
  "traits",
  "tags",
  "summary",
] as const;

export type TemplatePersonaVariable = (typeof TEMPLATE_PERSONA_VARIABLES)[number];

export interface PromptTemplateVariables {
  persona: Record<string, string | number | null | undefined>;
  context: Record<string, unknown>;
}

/** A well-formed tag: `{{ persona.name }}`, `{{context.question_2}}`. */
const TAG = /\{\{\s*(persona|context)\.([A-Za-z0-9_-]+)\s*\}\}/g;
const TAG_BODY = /^\s*(persona|context)\.([A-Za-z0-9_-]+)\s*$/;
const OPEN = "{{";
const CLOSE = "}}";

const PERSONA_VARIABLE_LIST = TEMPLATE_PERSONA_VARIABLES.join(", ");

/**
 * Problems with a template, all on the field `prompt`: unknown persona variables, context keys not in
 * `contextKeys` (any key is allowed with "any"), tags that are not `{{persona.x}}` / `{{context.key}}`,
 * and `{{` that is never closed. Each distinct problem is reported once.
 *
 * @example checkPromptTemplate("Hi {{persona.email}}", ["question"])
 * // [{ field: "prompt", message: "unknown variable {{persona.email}}; persona variables are name, age, … " }]
 */
export function checkPromptTemplate(template: string, contextKeys: readonly string[] | "any"): FieldError[] {
  const messages = new Set<string>();
  let position = 0;
  while (position < template.length) {
    const open = template.indexOf(OPEN, position);
    if (open < 0) break;
    const close = template.indexOf(CLOSE, open + OPEN.length);
    const nextOpen = template.indexOf(OPEN, open + OPEN.length);
    if (close < 0) {
      messages.add(`"{{" at character ${open + 1} is never closed with "}}"`);
      break;
    }
    if (nextOpen >= 0 && nextOpen < close) {
      // `{{ … {{persona.name}}`: this opening has no tag of its own; the next one is checked in turn.
      messages.add(
        `malformed tag ${quoteTag(template.slice(open, close + CLOSE.length))} at character ${open + 1}`,
      );
      position = nextOpen;
      continue;
    }
    const tag = template.slice(open, close + CLOSE.length);
    const body = TAG_BODY.exec(template.slice(open + OPEN.length, close));
    if (!body) {
      messages.add(
        `malformed tag ${quoteTag(tag)} at character ${open + 1}: use {{persona.<field>}} or {{context.<key>}}`,
      );
    } else {
      const scope = body[1];
      const name = body[2] ?? "";
      if (scope === "persona" && !(TEMPLATE_PERSONA_VARIABLES as readonly string[]).includes(name)) {
        messages.add(`unknown variable {{persona.${name}}}; persona variables are ${PERSONA_VARIABLE_LIST}`);
      }
      if (scope === "context" && contextKeys !== "any" && !contextKeys.includes(name)) {
        messages.add(
          contextKeys.length === 0
            ? `unknown variable {{context.${name}}}; the context has no keys`
            : `unknown variable {{context.${name}}}; context keys are ${contextKeys.join(", ")}`,
        );
      }
    }
    position = close + CLOSE.length;
  }
  return [...messages].map((message) => ({ field: "prompt", message }));
}

function quoteTag(tag: string): string {
  return tag.length > 60 ? `${tag.slice(0, 57)}…}}` : tag;
}

/**
 * Fills a template. Missing, null and undefined values render as ""; strings as they are; anything else
 * as JSON. Text that is not a well-formed tag is left untouched.
 *
 * @example renderPromptTemplate("You are {{ persona.name }}, {{persona.age}}.", { persona: { name: "Ana", age: 34 }, context: {} })
 * // "You are Ana, 34."
 */
export function renderPromptTemplate(template: string, variables: PromptTemplateVariables): string {
  return template.replace(TAG, (_tag, scope: string, name: string) => {
    const source: Record<string, unknown> = scope === "persona" ? variables.persona : variables.context;
    // Own keys only: `{{context.constructor}}` must not reach Object.prototype.
    return Object.hasOwn(source, name) ? renderValue(source[name]) : "";
  });
}

function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? "";
}
