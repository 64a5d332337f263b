import { z } from "zod";
import type { ErrorObject } from "ajv";
import { compileJsonSchema } from "../lib/json-schema.ts";
import type { JsonSchema } from "../models/language-model.ts";
import type { FieldError } from "../errors/app-error.ts";

/**
 * The shape of a skill's answer: how it is declared (`answerSpecSchema`, with `checkSkillAnswer` for
 * the rules zod cannot express), the JSON schema the model fills, how a model's output is validated and
 * normalised, and how an answer becomes a score and distribution categories. Pure: no I/O.
 */

export const ANSWER_TYPES = ["likert", "single_choice", "multiple_choice", "number", "text", "json"] as const;
export const DEFAULT_TEXT_MAX_LENGTH = 2000;
const MAX_LIKERT_SPAN = 100;
const MAX_OPTIONS = 50;

const wholeNumber = (minimum: number, maximum: number) =>
  z
    .number()
    .int("must be a whole number")
    .min(minimum, `must be between ${minimum} and ${maximum}`)
    .max(maximum, `must be between ${minimum} and ${maximum}`);

const optionText = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");

const optionList = z
  .array(optionText)
  .min(2, `must have between 2 and ${MAX_OPTIONS} options`)
  .max(MAX_OPTIONS, `must have between 2 and ${MAX_OPTIONS} options`);

export const likertAnswerSchema = z.strictObject({
  type: z.literal("likert"),
  scale: z.strictObject({
    min: wholeNumber(-1000, 1000),
    max: wholeNumber(-1000, 1000),
    labels: z
      .array(optionText)
      .max(MAX_LIKERT_SPAN + 1, `must have at most ${MAX_LIKERT_SPAN + 1} labels`)
      .optional(),
  }),
});

export const singleChoiceAnswerSchema = z.strictObject({
  type: z.literal("single_choice"),
  options: optionList,
});

export const multipleChoiceAnswerSchema = z.strictObject({
  type: z.literal("multiple_choice"),
  options: optionList,
  min_choices: wholeNumber(0, MAX_OPTIONS).optional(),
  max_choices: wholeNumber(1, MAX_OPTIONS).optional(),
});

export const numberAnswerSchema = z.strictObject({
  type: z.literal("number"),
  minimum: z.number(),
  maximum: z.number(),
  integer: z.boolean().optional(),
});

export const textAnswerSchema = z.strictObject({
  type: z.literal("text"),
  max_length: wholeNumber(1, 20_000).optional(),
});

export const jsonAnswerSchema = z.strictObject({
  type: z.literal("json"),
  schema: z.record(z.string(), z.unknown(), { error: "must be a JSON schema object" }),
});

export const answerSpecSchema = z.discriminatedUnion(
  "type",
  [
    likertAnswerSchema,
    singleChoiceAnswerSchema,
    multipleChoiceAnswerSchema,
    numberAnswerSchema,
    textAnswerSchema,
    jsonAnswerSchema,
  ],
  { error: `must be one of ${ANSWER_TYPES.join(", ")}` },
);

export type AnswerSpec = z.infer<typeof answerSpecSchema>;
export type AnswerType = AnswerSpec["type"];

export const scoringSchema = z.strictObject({
  reverse: z.boolean().optional(),
  weights: z.record(z.string(), z.number({ error: "must be a number" })).optional(),
  correct: z
    .union([z.string(), z.array(z.string())], { error: "must be an option or a list of options" })
    .optional(),
});

export type Scoring = z.infer<typeof scoringSchema>;

// ---------------------------------------------------------------------------------------------------
// Declaration checks

/**
 * Rules across fields that the wire schema cannot express. Returns every problem found, each naming
 * its field (`answer.scale.labels`, `scoring.weights.Maybe`); empty when the skill's answer is sound.
 *
 * @example checkSkillAnswer({ type: "likert", scale: { min: 5, max: 1 } }, undefined)
 * // [{ field: "answer.scale.max", message: "must be greater than min (5)" }]
 */
export function checkSkillAnswer(answer: AnswerSpec, scoring: Scoring | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => errors.push({ field, message });
  switch (answer.type) {
    case "likert": {
      const { min, max, labels } = answer.scale;
      if (min >= max) add("answer.scale.max", `must be greater than min (${min})`);
      else if (max - min > MAX_LIKERT_SPAN) {
        add("answer.scale", `must span at most ${MAX_LIKERT_SPAN} steps (min ${min}, max ${max})`);
      } else if (labels && labels.length !== max - min + 1) {
        add(
          "answer.scale.labels",
          `must have exactly ${max - min + 1} entries, one for each point from ${min} to ${max}; got ${labels.length}`,
        );
      }
      break;
    }
    case "single_choice":
    case "multiple_choice":
      checkDistinctOptions(answer.options, add);
      if (answer.type === "multiple_choice") {
        const minChoices = answer.min_choices ?? 1;
        const maxChoices = answer.max_choices ?? answer.options.length;
        if (maxChoices > answer.options.length) {
          add("answer.max_choices", `must be at most the number of options (${answer.options.length})`);
        } else if (minChoices > maxChoices) {
          add("answer.min_choices", `must be at most max_choices (${maxChoices})`);
        }
      }
      break;
    case "number":
      if (answer.minimum > answer.maximum) {
        add("answer.maximum", `must be at least minimum (${answer.minimum})`);
      } else if (answer.integer && Math.ceil(answer.minimum) > Math.floor(answer.maximum)) {
        add("answer.maximum", `leaves no whole number between ${answer.minimum} and ${answer.maximum}`);
      }
      break;
    case "json": {
      const compiled = compileJsonSchema(answer.schema);
      if (compiled instanceof Error) add("answer.schema", `is not a valid JSON schema: ${compiled.message}`);
      break;
    }
    case "text":
      break;
  }
  if (scoring) checkScoring(answer, scoring, add);
  return errors;
}

/** Options must differ, ignoring case: answers are matched to options case-insensitively. */
function checkDistinctOptions(options: readonly string[], add: (field: string, message: string) => void) {
  const seen = new Map<string, string>();
  options.forEach((option, index) => {
    const earlier = seen.get(foldCase(option));
    if (earlier !== undefined) add(`answer.options.${index}`, `repeats the option "${earlier}"`);
    else seen.set(foldCase(option), option);
  });
}

function checkScoring(
  answer: AnswerSpec,
  scoring: Scoring,
  add: (field: string, message: string) => void,
): void {
  // `reverse: false` is harmless anywhere (it may be left over after the answer type changed).
  if (scoring.reverse === true && answer.type !== "likert") {
    add("scoring.reverse", "applies only to likert answers");
  }
  const isChoice = answer.type === "single_choice" || answer.type === "multiple_choice";
  if (scoring.weights !== undefined && scoring.correct !== undefined) {
    add("scoring", "use either weights or correct, not both");
  }
  if (scoring.weights !== undefined) {
    if (!isChoice) add("scoring.weights", "applies only to single_choice and multiple_choice answers");
    else {
      for (const [option, weight] of Object.entries(scoring.weights)) {
        if (!answer.options.includes(option)) {
          add(`scoring.weights.${option}`, notAnOptionMessage(option, answer.options));
        } else if (!Number.isFinite(weight)) add(`scoring.weights.${option}`, "must be a finite number");
      }
    }
  }
  if (scoring.correct !== undefined) {
    if (!isChoice) add("scoring.correct", "applies only to single_choice and multiple_choice answers");
    else if (Array.isArray(scoring.correct)) {
      if (scoring.correct.length === 0) add("scoring.correct", "must list at least one option");
      scoring.correct.forEach((option, index) => {
        if (!answer.options.includes(option)) {
          add(`scoring.correct.${index}`, notAnOptionMessage(option, answer.options));
        }
      });
    } else if (!answer.options.includes(scoring.correct)) {
      add("scoring.correct", notAnOptionMessage(scoring.correct, answer.options));
    }
  }
}

function notAnOptionMessage(value: string, options: readonly string[]): string {
  const spelled = options.find((option) => foldCase(option) === foldCase(value));
  return spelled === undefined
    ? `"${value}" is not one of the options`
    : `"${value}" is not one of the options (did you mean "${spelled}"?)`;
}

// ---------------------------------------------------------------------------------------------------
// What the model is asked for

/**
 * The JSON schema the model is asked to fill: `{ "answer": <value> }`. For a json answer, `$defs` and
 * `definitions` of the user's schema move to the root so `#/$defs/…` references still resolve.
 *
 * @example answerJsonSchema({ type: "single_choice", options: ["Yes", "No"] })
 * // { type: "object", properties: { answer: { type: "string", enum: ["Yes", "No"] } }, required: ["answer"], additionalProperties: false }
 */
export function answerJsonSchema(answer: AnswerSpec): JsonSchema {
  const root: JsonSchema = { type: "object" };
  let value: JsonSchema;
  switch (answer.type) {
    case "likert": {
      const { min, max, labels } = answer.scale;
      value = {
        type: "integer",
        minimum: min,
        maximum: max,
        description: labels
          ? labels.map((label, index) => `${min + index} = ${label}`).join(", ")
          : `A whole number from ${min} to ${max}`,
      };
      break;
    }
    case "single_choice":
      value = { type: "string", enum: [...answer.options] };
      break;
    case "multiple_choice":
      value = {
        type: "array",
        items: { type: "string", enum: [...answer.options] },
        minItems: answer.min_choices ?? 1,
        maxItems: answer.max_choices ?? answer.options.length,
        uniqueItems: true,
      };
      break;
    case "number":
      value = {
        type: answer.integer ? "integer" : "number",
        minimum: answer.minimum,
        maximum: answer.maximum,
      };
      break;
    case "text":
      value = { type: "string", maxLength: answer.max_length ?? DEFAULT_TEXT_MAX_LENGTH };
      break;
    case "json": {
      const { $schema: _schema, $id: _id, $defs, definitions, ...rest } = answer.schema;
      value = rest;
      if ($defs !== undefined) root.$defs = $defs;
      if (definitions !== undefined) root.definitions = definitions;
      break;
    }
  }
  return { ...root, properties: { answer: value }, required: ["answer"], additionalProperties: false };
}

/**
 * One or two sentences for the end of the prompt, telling the persona how to answer.
 *
 * @example describeAnswerForPrompt({ type: "likert", scale: { min: 1, max: 5 } })
 * // 'Answer with {"answer": n} where n is a whole number from 1 to 5.'
 */
export function describeAnswerForPrompt(answer: AnswerSpec): string {
  const quoted = (options: readonly string[]) => options.map((option) => JSON.stringify(option)).join(", ");
  switch (answer.type) {
    case "likert": {
      const { min, max, labels } = answer.scale;
      if (!labels) return `Answer with {"answer": n} where n is a whole number from ${min} to ${max}.`;
      const scale = labels.map((label, index) => `${min + index} = ${label}`).join(", ");
      return (
        `Answer with {"answer": n} where n is a whole number from ${min} (${labels[0]}) to ` +
        `${max} (${labels.at(-1)}). The scale: ${scale}.`
      );
    }
    case "single_choice":
      return `Answer with {"answer": "<option>"} choosing exactly one of these options: ${quoted(answer.options)}.`;
    case "multiple_choice": {
      const minChoices = answer.min_choices ?? 1;
      const maxChoices = answer.max_choices ?? answer.options.length;
      const count =
        minChoices === maxChoices ? `exactly ${minChoices}` : `between ${minChoices} and ${maxChoices}`;
      return (
        `Answer with {"answer": ["<option>", …]} listing ${count} different options from: ` +
        `${quoted(answer.options)}.`
      );
    }
    case "number":
      return (
        `Answer with {"answer": n} where n is ${answer.integer ? "a whole number" : "a number"} ` +
        `from ${answer.minimum} to ${answer.maximum}.`
      );
    case "text":
      return (
        `Answer with {"answer": "<your answer>"}: your answer in your own words, at most ` +
        `${answer.max_length ?? DEFAULT_TEXT_MAX_LENGTH} characters.`
      );
    case "json":
      return `Answer with {"answer": <value>} where the value matches this JSON schema: ${JSON.stringify(answer.schema)}.`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Validating a model's output

export type AnswerValidation = { valid: true; value: unknown } | { valid: false; reason: string };

/**
 * Checks a model's output against the answer spec and returns the normalised value. Accepts the
 * wrapper `{ "answer": x }` (extra keys ignored), a bare value that validates by itself, and a JSON text
 * of either. Tolerates numeric strings for likert and number answers ("4" → 4), a likert label in place
 * of its number, and options in any letter case (the option's own spelling is returned; multiple
 * choices come back in option order).
 *
 * @example validateAnswer({ type: "likert", scale: { min: 1, max: 5 } }, { answer: "4" }) // { valid: true, value: 4 }
 * @example validateAnswer({ type: "likert", scale: { min: 1, max: 5 } }, { answer: 7 })
 * // { valid: false, reason: "answer 7 is outside the scale 1-5" }
 */
export function validateAnswer(answer: AnswerSpec, output: unknown): AnswerValidation {
  const parsed = parseJsonObjectText(output);
  const wrapped = isPlainObject(parsed) && Object.hasOwn(parsed, "answer");
  const first = validateValue(answer, wrapped ? parsed.answer : parsed);
  if (first.valid || !wrapped) {
    if (!first.valid && isPlainObject(parsed) && answer.type !== "json") {
      return { valid: false, reason: `expected {"answer": …}, got ${describeValue(parsed)}` };
    }
    return first;
  }
  // The user's json schema may itself have an `answer` property: try the whole object too.
  const bare = validateValue(answer, parsed);
  return bare.valid ? bare : first;
}

/** A string holding a JSON object is parsed (some providers return text); anything else is left as is. */
function parseJsonObjectText(output: unknown): unknown {
  if (typeof output !== "string" || !output.trim().startsWith("{")) return output;
  try {
    const parsed: unknown = JSON.parse(output);
    return isPlainObject(parsed) && Object.hasOwn(parsed, "answer") ? parsed : output;
  } catch {
    return output;
  }
}

function validateValue(answer: AnswerSpec, candidate: unknown): AnswerValidation {
  switch (answer.type) {
    case "likert":
      return validateLikert(answer, candidate);
    case "single_choice": {
      const option = matchOption(answer.options, candidate);
      return option === undefined
        ? invalid(
            `answer ${describeValue(candidate)} is not one of the options: ${listOptions(answer.options)}`,
          )
        : { valid: true, value: option };
    }
    case "multiple_choice":
      return validateMultipleChoice(answer, candidate);
    case "number":
      return validateNumber(answer, candidate);
    case "text":
      return validateText(answer, candidate);
    case "json":
      return validateJson(answer, candidate);
  }
}

function invalid(reason: string): AnswerValidation {
  return { valid: false, reason };
}

const WHOLE_OR_DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number, or a string that is exactly a number ("4", " 4.0 ", "-1e2"); otherwise undefined. */
function toNumber(candidate: unknown): number | undefined {
  if (typeof candidate === "number") return candidate;
  if (typeof candidate === "string" && WHOLE_OR_DECIMAL.test(candidate.trim()))
    return Number(candidate.trim());
  return undefined;
}

function validateLikert(
  answer: Extract<AnswerSpec, { type: "likert" }>,
  candidate: unknown,
): AnswerValidation {
  const { min, max, labels } = answer.scale;
  let value = toNumber(candidate);
  if (value === undefined && typeof candidate === "string" && labels) {
    const index = labels.findIndex((label) => foldCase(label) === foldCase(candidate));
    if (index >= 0) value = min + index;
  }
  if (value === undefined || !Number.isFinite(value)) {
    return invalid(`answer ${describeValue(candidate)} is not a whole number on the scale ${min}-${max}`);
  }
  if (!Number.isInteger(value)) return invalid(`answer ${value} is not a whole number`);
  if (value < min || value > max) return invalid(`answer ${value} is outside the scale ${min}-${max}`);
  return { valid: true, value };
}

function validateMultipleChoice(
  answer: Extract<AnswerSpec, { type: "multiple_choice" }>,
  candidate: unknown,
): AnswerValidation {
  // A lone option is read as a one-item list: models often drop the brackets for a single choice.
  const items = Array.isArray(candidate) ? candidate : typeof candidate === "string" ? [candidate] : null;
  if (items === null) return invalid(`answer ${describeValue(candidate)} is not a list of options`);
  const chosen = new Set<string>();
  for (const item of items) {
    const option = matchOption(answer.options, item);
    if (option === undefined) {
      return invalid(
        `answer ${describeValue(item)} is not one of the options: ${listOptions(answer.options)}`,
      );
    }
    if (chosen.has(option)) return invalid(`answer chooses "${option}" more than once`);
    chosen.add(option);
  }
  const minChoices = answer.min_choices ?? 1;
  const maxChoices = answer.max_choices ?? answer.options.length;
  if (chosen.size < minChoices) {
    return invalid(`answer has ${plural(chosen.size, "choice")}; at least ${minChoices} required`);
  }
  if (chosen.size > maxChoices) {
    return invalid(`answer has ${plural(chosen.size, "choice")}; at most ${maxChoices} allowed`);
  }
  return { valid: true, value: answer.options.filter((option) => chosen.has(option)) };
}

function validateNumber(
  answer: Extract<AnswerSpec, { type: "number" }>,
  candidate: unknown,
): AnswerValidation {
  const value = toNumber(candidate);
  if (value === undefined || !Number.isFinite(value)) {
    return invalid(`answer ${describeValue(candidate)} is not a number`);
  }
  if (answer.integer && !Number.isInteger(value)) return invalid(`answer ${value} is not a whole number`);
  if (value < answer.minimum) return invalid(`answer ${value} is below the minimum ${answer.minimum}`);
  if (value > answer.maximum) return invalid(`answer ${value} is above the maximum ${answer.maximum}`);
  return { valid: true, value };
}

function validateText(answer: Extract<AnswerSpec, { type: "text" }>, candidate: unknown): AnswerValidation {
  const text =
    typeof candidate === "string"
      ? candidate.trim()
      : typeof candidate === "number" || typeof candidate === "boolean"
        ? String(candidate)
        : undefined;
  if (text === undefined) return invalid(`answer ${describeValue(candidate)} is not text`);
  if (text === "") return invalid("answer is empty");
  const maxLength = answer.max_length ?? DEFAULT_TEXT_MAX_LENGTH;
  // Characters as JSON schema's maxLength counts them: code points, not UTF-16 units.
  const length = [...text].length;
  if (length > maxLength) return invalid(`answer is ${length} characters long; at most ${maxLength} allowed`);
  return { valid: true, value: text };
}

function validateJson(answer: Extract<AnswerSpec, { type: "json" }>, candidate: unknown): AnswerValidation {
  if (candidate === undefined) return invalid("answer is missing");
  const validate = compileJsonSchema(answer.schema);
  if (validate instanceof Error) return invalid(`the skill's JSON schema is invalid: ${validate.message}`);
  if (validate(candidate)) return { valid: true, value: candidate };
  return invalid(`answer does not match the schema: ${describeSchemaErrors(validate.errors ?? [])}`);
}

function describeSchemaErrors(errors: readonly ErrorObject[]): string {
  const shown = errors
    .slice(0, 3)
    .map((error) => `${`answer${error.instancePath.replaceAll("/", ".")}`} ${error.message ?? "is invalid"}`);
  return errors.length > 3 ? `${shown.join("; ")} (and ${errors.length - 3} more)` : shown.join("; ");
}

/** The option's own spelling for a candidate, matching exactly first, then ignoring case and edge spaces. */
function matchOption(options: readonly string[], candidate: unknown): string | undefined {
  const text =
    typeof candidate === "string"
      ? candidate
      : typeof candidate === "number" || typeof candidate === "boolean"
        ? String(candidate)
        : undefined;
  if (text === undefined) return undefined;
  return (
    options.find((option) => option === text) ?? options.find((option) => foldCase(option) === foldCase(text))
  );
}

function foldCase(text: string): string {
  return text.trim().normalize("NFC").toLowerCase();
}

function listOptions(options: readonly string[]): string {
  return options.map((option) => JSON.stringify(option)).join(", ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** A short rendering of any value for a reason sentence. */
function describeValue(value: unknown): string {
  if (value === undefined) return "(nothing)";
  const text = typeof value === "number" ? String(value) : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------
// JSON schema compilation

// ---------------------------------------------------------------------------------------------------
// Scores and categories

/**
 * The number statistics use for a valid answer, or null when the answer type or scoring gives none.
 * Likert: the value (reversed: max + min − value). Single choice: its weight (null for an option without
 * one) or 1/0 against `correct` (an option or a list of accepted options). Multiple choice: the sum of
 * the chosen options' weights (unweighted ones count 0), or 1 when exactly the `correct` options are
 * chosen, else 0. Number: the value. Text and json: null.
 *
 * @example scoreAnswer({ type: "likert", scale: { min: 1, max: 5 } }, { reverse: true }, 2) // 4
 */
export function scoreAnswer(answer: AnswerSpec, scoring: Scoring | undefined, value: unknown): number | null {
  switch (answer.type) {
    case "likert": {
      if (typeof value !== "number") return null;
      return scoring?.reverse ? answer.scale.max + answer.scale.min - value : value;
    }
    case "number":
      return typeof value === "number" ? value : null;
    case "single_choice": {
      if (typeof value !== "string") return null;
      if (scoring?.weights) return weightOf(scoring.weights, value) ?? null;
      if (scoring?.correct !== undefined) {
        const correct = [scoring.correct].flat().map(foldCase);
        return correct.includes(foldCase(value)) ? 1 : 0;
      }
      return null;
    }
    case "multiple_choice": {
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return null;
      const chosen = value as string[];
      if (scoring?.weights) {
        const weights = scoring.weights;
        return chosen.reduce((sum, option) => sum + (weightOf(weights, option) ?? 0), 0);
      }
      if (scoring?.correct !== undefined) {
        const correct = new Set([scoring.correct].flat().map(foldCase));
        const picked = new Set(chosen.map(foldCase));
        const same = correct.size === picked.size && [...picked].every((option) => correct.has(option));
        return same ? 1 : 0;
      }
      return null;
    }
    case "text":
    case "json":
      return null;
  }
}

function weightOf(weights: Record<string, number>, option: string): number | undefined {
  if (Object.hasOwn(weights, option)) return weights[option];
  const key = Object.keys(weights).find((candidate) => foldCase(candidate) === foldCase(option));
  return key === undefined ? undefined : weights[key];
}

/**
 * The categories a distribution is over, in order: likert points as strings ("1".."5"), or the
 * options; null for number, text and json answers.
 */
export function answerCategories(answer: AnswerSpec): string[] | null {
  switch (answer.type) {
    case "likert":
      return Array.from({ length: answer.scale.max - answer.scale.min + 1 }, (_, index) =>
        String(answer.scale.min + index),
      );
    case "single_choice":
    case "multiple_choice":
      return [...answer.options];
    default:
      return null;
  }
}

/** The categories one valid answer falls into: one for likert and single choice, each chosen option for multiple choice. */
export function categoriesOf(answer: AnswerSpec, value: unknown): string[] {
  switch (answer.type) {
    case "likert":
      return typeof value === "number" ? [String(value)] : [];
    case "single_choice":
      return typeof value === "string" ? [value] : [];
    case "multiple_choice":
      return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
    default:
      return [];
  }
}
