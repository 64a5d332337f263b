import { z } from "zod";
import { identitySchema, personaDefinitionSchema } from "../../domain/persona-definition.ts";

const personaShape = personaDefinitionSchema.shape;

/**
 * Fields the specs require but Dramatis has no use for. Export fills them when `card` lacks them; import
 * drops these empty values again, so a persona's `card` holds only fields that carry information.
 */
export const V2_REQUIRED_FILLERS = {
  creator_notes: "",
  post_history_instructions: "",
  creator: "",
  character_version: "",
};
export const V3_REQUIRED_FILLERS = { ...V2_REQUIRED_FILLERS, group_only_greetings: [] as unknown[] };

export function isFiller(field: string, value: unknown): boolean {
  if (!Object.hasOwn(V3_REQUIRED_FILLERS, field)) return false;
  const filler = V3_REQUIRED_FILLERS[field as keyof typeof V3_REQUIRED_FILLERS];
  return filler === "" ? value === "" : Array.isArray(value) && value.length === 0;
}

/** Example dialogues: SillyTavern splits on every `<START>`, case-insensitively; so do we. */
export function splitExamples(text: string): string[] {
  return text
    .split(/<START>/gi)
    .map((block) => block.trim())
    .filter((block) => block.length > 0);
}

export function joinExamples(blocks: readonly string[]): string {
  return blocks.map((block) => `<START>\n${block}`).join("\n");
}

/**
 * The card fields Dramatis maps onto persona fields, checked against the persona's own limits so errors name
 * the card field (`data.description`, `data.mes_example.2`). V1 cards hold the same names at the top level.
 * Real cards often carry null for empty text, so null reads as empty.
 */
export const cardDataSchema = z.looseObject({
  name: z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .pipe(personaShape.name),
  description: identitySchema.shape.summary.nullish(),
  personality: personaShape.personality.nullish(),
  scenario: personaShape.scenario.nullish(),
  first_mes: personaShape.first_message.nullish(),
  mes_example: z
    .string()
    .nullish()
    .transform((text) => splitExamples(text ?? ""))
    .pipe(personaShape.communication_examples),
  system_prompt: personaShape.system_message.nullish(),
  alternate_greetings: personaShape.alternate_greetings.nullish(),
  tags: personaShape.tags.nullish(),
  extensions: z.record(z.string(), z.unknown(), "must be an object").nullish(),
});

export type CardDataInput = z.infer<typeof cardDataSchema>;

/** Card `data` fields that map onto persona fields; every other `data` field is kept in `card`. */
export const MAPPED_CARD_FIELDS = new Set(Object.keys(cardDataSchema.shape));
