import type { ZodType } from "zod";
import {
  activeHoursSchema,
  appearanceSchema,
  chatConfigurationSchema,
  featuresSchema,
  identitySchema,
  memorySettingsSchema,
  modifiersSchema,
  personaCreateSchema as plainPersonaCreateSchema,
  personaDefinitionPatchSchema as plainPersonaDefinitionPatchSchema,
  personaDefinitionSchema as plainPersonaDefinitionSchema,
  personaVisibilitySchema as plainPersonaVisibilitySchema,
  READ_ONLY_PERSONA_FIELDS,
  samplingSchema,
  voiceConfigurationSchema,
} from "../../domain/persona-definition.ts";
import { personaSeedSchema as plainPersonaSeedSchema } from "../../services/persona-generation.ts";
import { documentSchema } from "../openapi-documentation.ts";

/*
 * The OpenAPI face of the persona definition the services validate: component names, descriptions and
 * examples. Routes import the persona schemas from here, so the document is complete whenever one is used.
 */

// start and end are one schema instance: the example documents both.
documentSchema(activeHoursSchema.shape.start, { example: "08:00" });
documentSchema(activeHoursSchema.shape.time_zone, { example: "Europe/Paris" });
documentSchema(identitySchema, "PersonaIdentity");
documentSchema(appearanceSchema, "PersonaAppearance");
documentSchema(voiceConfigurationSchema.shape.locale, { example: "en-US" });
documentSchema(voiceConfigurationSchema, "VoiceConfiguration");
documentSchema(chatConfigurationSchema, "ChatConfiguration");
documentSchema(samplingSchema, "SamplingParameters", {
  description: "null means: use the model's own default",
});
documentSchema(activeHoursSchema, "ActiveHours");
documentSchema(modifiersSchema.shape.nsfw, {
  description: "Permanent: once true it cannot be set back to false",
});
documentSchema(modifiersSchema, "PersonaModifiers");
documentSchema(featuresSchema, "PersonaFeatures");
documentSchema(memorySettingsSchema.shape.extraction, {
  description: "Learn new memories from conversations after each exchange",
});
documentSchema(memorySettingsSchema.shape.weights, {
  description:
    "Retrieval score = relevance·w + importance·w + recency·w, each component min-max normalised " +
    "(defaults from Generative Agents: 3, 2, 0.5)",
});
documentSchema(memorySettingsSchema, "PersonaMemorySettings");
documentSchema(plainPersonaDefinitionSchema.shape.card, {
  description:
    "Character Card fields with no Dramatis equivalent (creator, character_book, ...), kept for export",
});
documentSchema(plainPersonaDefinitionSchema.shape.extensions, {
  description: "Free-form extensions; Character Card extensions round-trip here",
});

/** The complete definition; routes `.extend()` this copy, so a persona response refers to it by name. */
export const personaDefinitionSchema = documentSchema(plainPersonaDefinitionSchema, "PersonaDefinition");

// The patch and create bodies share their read-only field schemas.
for (const field of READ_ONLY_PERSONA_FIELDS) {
  const shape: Record<string, ZodType> = plainPersonaDefinitionPatchSchema.shape;
  documentSchema(shape[field]!, { description: "ignored" });
}

export const personaVisibilitySchema = documentSchema(plainPersonaVisibilitySchema, {
  description:
    '"tenant" (the default): every member of the tenant sees and chats with it. "private": only its creator, ' +
    "admins, members granted can_edit_all and API keys see it; to any other member it does not exist (404). " +
    "Only someone who may edit the persona may change it.",
});

export const personaDefinitionPatchSchema = documentSchema(
  plainPersonaDefinitionPatchSchema,
  "PersonaPatch",
  {
    description:
      "Any subset of the definition. Objects are merged field by field; arrays and scalars replace; " +
      "null clears a nullable field.",
  },
);

documentSchema(plainPersonaCreateSchema.shape.template_id, {
  description: "Start from this template; the body's fields override it",
});
export const personaCreateSchema = documentSchema(plainPersonaCreateSchema, "PersonaCreate", {
  description: "Only name is required (or a template_id that provides one); every other field has a default.",
});

documentSchema(plainPersonaSeedSchema.shape.seed, {
  description: "The same seed and fields give the same persona (offline generation)",
});
documentSchema(plainPersonaSeedSchema.shape.reference_date, {
  description: "'Now' for the generated life; default: the current time",
});
export const personaSeedSchema = documentSchema(plainPersonaSeedSchema, "PersonaSeed");
