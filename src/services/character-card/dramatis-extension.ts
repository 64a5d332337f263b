import { z } from "zod";
import { fieldErrorsFromIssues, type FieldError } from "../../errors/app-error.ts";
import type { JsonObject } from "../../lib/deep-merge.ts";
import {
  activeHoursSchema,
  appearanceSchema,
  chatConfigurationSchema,
  featuresSchema,
  identitySchema,
  mediaSettingsSchema,
  memorySettingsSchema,
  modifiersSchema,
  personaDefinitionSchema,
  samplingSchema,
  type PersonaDefinition,
} from "../../domain/persona-definition.ts";

/**
 * The Dramatis-only settings of a card, in `data.extensions.dramatis`, which other card readers ignore. The
 * identity among them (age, sex, location, occupation, appearance) is also written as readable lines at the
 * end of `description`, which every front end shows its model, and taken off again on import.
 */

export const DRAMATIS_EXTENSION = "dramatis";

const personaShape = personaDefinitionSchema.shape;

/** `data.extensions.dramatis`: the persona settings no card field holds. Partial: defaults fill the rest. */
const dramatisExtensionSchema = z
  .strictObject({
    identity: identitySchema.omit({ summary: true }).partial(),
    appearance: appearanceSchema.partial(),
    voice_configurations: personaShape.voice_configurations,
    chat_configuration: chatConfigurationSchema.partial(),
    model: personaShape.model,
    sampling: samplingSchema.partial(),
    verbosity: personaShape.verbosity,
    initiative: personaShape.initiative,
    active_hours: activeHoursSchema.partial(),
    modifiers: modifiersSchema.partial(),
    features: featuresSchema.partial(),
    media: mediaSettingsSchema.partial(),
    memory: memorySettingsSchema.partial(),
    start_prompt: personaShape.start_prompt,
  })
  .partial();

export type DramatisExtension = z.infer<typeof dramatisExtensionSchema>;

export function pickDramatisExtension(definition: PersonaDefinition): DramatisExtension {
  const { summary: _summary, ...identity } = definition.identity;
  const { appearance, voice_configurations, chat_configuration, model, sampling, verbosity } = definition;
  const { initiative, active_hours, modifiers, features, media, memory, start_prompt } = definition;
  return {
    ...{ identity, appearance, voice_configurations, chat_configuration, model, sampling, verbosity },
    ...{ initiative, active_hours, modifiers, features, media, memory, start_prompt },
  };
}

export function readDramatisExtension(
  extensions: JsonObject,
  prefix: string,
): { value: DramatisExtension; errors: FieldError[] } {
  if (!(DRAMATIS_EXTENSION in extensions)) return { value: {}, errors: [] };
  const parsed = dramatisExtensionSchema.safeParse(extensions[DRAMATIS_EXTENSION]);
  if (parsed.success) return { value: parsed.data, errors: [] };
  const where = [prefix, "extensions", DRAMATIS_EXTENSION].filter(Boolean).join(".");
  return { value: {}, errors: fieldErrorsFromIssues(parsed.error.issues, where) };
}

const hasText = (value: string | null): value is string => value !== null && value.trim() !== "";

/**
 * The Dramatis-only identity as labelled lines ("Age: 36", ...), or "" when there is none. A pure function
 * of the definition, so import can recognise exactly what export appended and take it off.
 */
function describeIdentity({
  identity,
  appearance,
}: Pick<PersonaDefinition, "identity" | "appearance">): string {
  const lines = [
    identity.age === null ? undefined : `Age: ${identity.age}`,
    identity.sex === null ? undefined : `Sex: ${identity.sex}`,
    hasText(identity.location) ? `Location: ${identity.location}` : undefined,
    hasText(identity.occupation) ? `Occupation: ${identity.occupation}` : undefined,
    hasText(appearance.description) ? `Appearance: ${appearance.description}` : undefined,
  ];
  return lines.filter((line) => line !== undefined).join("\n");
}

const IDENTITY_SEPARATOR = "\n\n";

/** The card's `description`: the persona's summary with its identity lines appended. */
export function writeDescription(definition: PersonaDefinition): string {
  const summary = definition.identity.summary;
  const identity = describeIdentity(definition);
  if (identity === "") return summary;
  return summary === "" ? identity : `${summary}${IDENTITY_SEPARATOR}${identity}`;
}

/**
 * The card fields with the identity lines a Dramatis export appended to `description` taken off again, so a
 * round trip does not repeat them. Only an exact match of what this card's own Dramatis settings would
 * write is removed: a description written or edited by a person stays as it is.
 */
export function withoutIdentityLines(fields: JsonObject, base: PersonaDefinition): JsonObject {
  const identity = describeIdentity(base);
  const description = fields.description;
  if (identity === "" || typeof description !== "string") return fields;
  if (description === identity) return { ...fields, description: "" };
  const appended = `${IDENTITY_SEPARATOR}${identity}`;
  if (!description.endsWith(appended)) return fields;
  return { ...fields, description: description.slice(0, -appended.length) };
}
