import { z } from "zod";
import { personaDefinitionDefaults } from "./persona-defaults.ts";

/**
 * The editable definition of a persona: everything a draft or a published version holds.
 * Field groups follow the reference products (Basic, Appearance, Personality & behaviour, Communication,
 * Voice, Response controls, Modifiers, Features, Advanced model settings).
 *
 * `personaDefinitionSchema` is complete (every field present); `DEFAULT_PERSONA_DEFINITION` fills what a
 * create request leaves out, and `personaDefinitionPatchSchema` is the deep-partial shape of a PATCH body.
 */

const shortText = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const optionalNumber = (minimum: number, maximum: number) =>
  z
    .number()
    .min(minimum, `must be between ${minimum} and ${maximum}`)
    .max(maximum, `must be between ${minimum} and ${maximum}`)
    .nullable();

export const ART_STYLES = ["realistic", "semi_realistic", "anime"] as const;
export const SEXES = ["male", "female", "other"] as const;
export const MEMORY_TIERS = ["basic", "extended", "longest"] as const;
export const MEMORY_SCOPES = ["account", "user_persona", "contact"] as const;

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time HH:MM, e.g. 08:00");

/** Zones already checked: building a DateTimeFormat costs more than validating the rest of a persona. */
const checkedTimeZones = new Map<string, boolean>();

export function isValidTimeZone(timeZone: string): boolean {
  let valid = checkedTimeZones.get(timeZone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone });
      valid = true;
    } catch {
      valid = false;
    }
    // Names come from requests; the bound keeps made-up ones from growing the map forever.
    if (checkedTimeZones.size >= 1000) checkedTimeZones.clear();
    checkedTimeZones.set(timeZone, valid);
  }
  return valid;
}

const timeZone = z.string().refine(isValidTimeZone, "must be an IANA time zone such as Europe/Paris or UTC");

const modelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*\/\S+$/i, "must be provider/model, e.g. openai/gpt-4o-mini or offline/default")
  .max(200)
  .nullable();

/** A new instance per field: the HTTP layer documents card and extensions apart. */
const jsonObject = () => z.record(z.string(), z.unknown());

export const identitySchema = z.strictObject({
  age: z.number().int("must be a whole number").min(0).max(200).nullable(),
  sex: z.enum(SEXES).nullable(),
  location: shortText(200).nullable(),
  occupation: shortText(200).nullable(),
  summary: shortText(8000),
});

export const appearanceSchema = z.strictObject({
  description: shortText(8000),
  art_style: z.enum(ART_STYLES),
  avatar_url: z.string().url("must be a URL").max(2000).nullable(),
});

export const voiceConfigurationSchema = z.strictObject({
  locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language tag such as en-US"),
  // Defaults sit on the item because arrays are replaced whole: a new item names only what it sets.
  prompt: shortText(20000).default(""),
  voice: shortText(200).nullable().default(null),
  first_speaker: z.enum(["agent", "user"]).default("agent"),
  first_message: shortText(4000).default(""),
  model: modelId.default(null),
  temperature: optionalNumber(0, 2).default(null),
  max_duration_seconds: z.number().int().min(10).max(14400).default(600),
  silence_timeout_seconds: z.number().int().min(1).max(600).default(30),
  recording: z.boolean().default(false),
  /** speaking rate, 1 = the voice's normal pace */
  speech_rate: z.number().min(0.5, "must be 0.5-2").max(2, "must be 0.5-2").default(1),
  /** a speaking style the voice offers (Azure's cheerful, whispering, ...); null: its default */
  speech_style: shortText(100).nullable().default(null),
});

export const chatConfigurationSchema = z.strictObject({
  prompt: shortText(20000),
  model: modelId,
  temperature: optionalNumber(0, 2),
  max_tokens: z.number().int().min(1).max(200000).nullable(),
  forward_to_voice: z.boolean(),
});

export const samplingSchema = z.strictObject({
  temperature: optionalNumber(0, 2),
  top_p: optionalNumber(0, 1),
  top_k: z.number().int("must be a whole number").min(0).max(100).nullable(),
  min_p: optionalNumber(0, 1),
  frequency_penalty: optionalNumber(-2, 2),
  presence_penalty: optionalNumber(-2, 2),
  repetition_penalty: optionalNumber(0, 2),
  top_a: optionalNumber(0, 1),
  max_tokens: z.number().int().min(1).max(200000).nullable(),
});

export const activeHoursSchema = z.strictObject({ start: timeOfDay, end: timeOfDay, time_zone: timeZone });

export const modifiersSchema = z.strictObject({
  responds_immediately: z.boolean(),
  responds_outside_active_hours: z.boolean(),
  nsfw: z.boolean(),
  disable_scheduled_messages: z.boolean(),
});

export const featuresSchema = z.strictObject({
  sms: z.boolean(),
  premium_model: z.boolean(),
  media_generation: z.boolean(),
  auto_speech: z.boolean(),
});

export const VIDEO_QUALITIES = ["standard", "high"] as const;

/** Pictures and videos the persona makes when `features.media_generation` is on. */
export const mediaSettingsSchema = z.strictObject({
  /** `provider/model` for pictures; null: the server's default */
  image_model: modelId.nullable(),
  /** `provider/model` for videos; null: the server's default */
  video_model: modelId.nullable(),
  /** a video's length: longer costs more and takes longer */
  video_seconds: z.number().int("must be a whole number").min(1, "must be 1-20").max(20, "must be 1-20"),
  /** high: larger frames (and a slower, dearer generation) */
  video_quality: z.enum(VIDEO_QUALITIES),
  /** videos jump the queue and are billed as priority videos */
  priority_video: z.boolean(),
});

const retrievalWeight = z.number().min(0, "must be 0-10").max(10, "must be 0-10");

export const memorySettingsSchema = z.strictObject({
  tier: z.enum(MEMORY_TIERS),
  scope: z.enum(MEMORY_SCOPES),
  extraction: z.boolean(),
  weights: z.strictObject({
    relevance: retrievalWeight,
    importance: retrievalWeight,
    recency: retrievalWeight,
  }),
});

export const personaDefinitionSchema = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  identity: identitySchema,
  system_message: shortText(20000),
  start_prompt: shortText(4000),
  first_message: shortText(8000),
  alternate_greetings: z.array(shortText(8000)).max(50),
  personality: shortText(8000),
  scenario: shortText(8000),
  communication_examples: z.array(shortText(4000)).max(50),
  appearance: appearanceSchema,
  voice_configurations: z
    .array(voiceConfigurationSchema)
    .max(50)
    .refine(
      (configurations) => new Set(configurations.map((c) => c.locale)).size === configurations.length,
      "must have at most one voice configuration per locale",
    ),
  chat_configuration: chatConfigurationSchema,
  model: modelId,
  sampling: samplingSchema,
  verbosity: z.number().int("must be a whole number").min(1, "must be 1-5").max(5, "must be 1-5"),
  initiative: z.number().int("must be a whole number").min(1, "must be 1-10").max(10, "must be 1-10"),
  active_hours: activeHoursSchema,
  modifiers: modifiersSchema,
  features: featuresSchema,
  media: mediaSettingsSchema,
  memory: memorySettingsSchema,
  tags: z.array(shortText(100)).max(100),
  card: jsonObject(),
  extensions: jsonObject(),
});

export type PersonaDefinition = z.infer<typeof personaDefinitionSchema>;
export type VoiceConfiguration = z.infer<typeof voiceConfigurationSchema>;

/** What a new persona starts as; the web app's builder starts from the same object. */
export const DEFAULT_PERSONA_DEFINITION: PersonaDefinition = Object.freeze(
  personaDefinitionDefaults(),
) as PersonaDefinition;

/**
 * Turns every field optional, recursively through nested objects (arrays stay whole: they are replaced,
 * not merged). Used for PATCH bodies and for create bodies, whose missing fields come from the defaults.
 */
function deepPartial(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      shape[key] = deepPartial(field).optional();
    }
    return z.strictObject(shape);
  }
  return schema;
}

/** Fields a client may echo back from a persona response; ignored in a write body. */
export const READ_ONLY_PERSONA_FIELDS = [
  "id",
  "kind",
  "join_code",
  "production_version",
  "latest_version",
  "has_unpublished_changes",
  "created_by_user_id",
  "created_at",
  "updated_at",
] as const;

const partialDefinitionShape = (deepPartial(personaDefinitionSchema) as z.ZodObject).shape;

const readOnlyFields = Object.fromEntries(
  READ_ONLY_PERSONA_FIELDS.map((field) => [field, z.unknown().optional()]),
);

/** Who sees a persona: not part of its definition (versions do not carry it), a column of its own. */
export const personaVisibilitySchema = z.enum(["tenant", "private"]);

export const personaDefinitionPatchSchema = z.strictObject({
  ...partialDefinitionShape,
  ...readOnlyFields,
  visibility: personaVisibilitySchema.optional(),
});

export const personaCreateSchema = z.strictObject({
  ...partialDefinitionShape,
  ...readOnlyFields,
  visibility: personaVisibilitySchema.optional(),
  template_id: z.string().optional(),
});
