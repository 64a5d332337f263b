import { z } from "@hono/zod-openapi";
import { lorebookEntrySchema as plainEntrySchema } from "../../domain/lorebook/lorebook-document.ts";
import {
  ATTACHMENT_KINDS,
  LOREBOOK_VISIBILITIES,
  lorebookCreateSchema as plainCreateSchema,
  lorebookPatchSchema as plainPatchSchema,
} from "../../services/lorebook-service.ts";
import { documentSchema } from "../openapi-documentation.ts";

export const lorebookEntrySchema = documentSchema(plainEntrySchema, "LorebookEntry", {
  description:
    "One world-info entry, as the activation engine reads it. `keys` fire the entry when one appears in " +
    "the scanned messages (a key written `/pattern/flags`, or any key with `use_regex`, is a regular " +
    "expression); `secondary_keys` then filter by `selective_logic` when `selective`. `position` " +
    "`at_depth` puts the content inside the history, `depth` messages from its end, as `role`. V3 " +
    "decorators (`@@depth 4`, `@@activate`, ...) at the start of `content` are honoured.",
  example: { keys: ["dragon", "wyrm"], content: "Vyrn, the last dragon, sleeps beneath the Ashen Peak." },
});

/**
 * An entry as the API answers it: every field present (the input's defaults applied) and its id.
 * Built from the input schema's fields, so the two never drift apart.
 */
const storedEntrySchema = z
  .object(
    Object.fromEntries(
      Object.entries(plainEntrySchema.shape).map(([field, schema]) => [
        field,
        schema instanceof z.ZodDefault || schema instanceof z.ZodOptional
          ? (schema.unwrap() as z.ZodType)
          : schema,
      ]),
    ) as { [Field in keyof typeof plainEntrySchema.shape]-?: z.ZodType },
  )
  .openapi("LorebookEntryRecord");

export const lorebookCreateSchema = documentSchema(plainCreateSchema, "LorebookInput");
export const lorebookPatchSchema = documentSchema(plainPatchSchema, "LorebookPatch");

const attachmentSchema = z
  .object({
    kind: z.enum(ATTACHMENT_KINDS),
    target_id: z.string(),
    created_at: z.string(),
  })
  .openapi("LorebookAttachment");

const summaryFields = {
  id: z.string(),
  name: z.string(),
  description: z.string(),
  visibility: z.enum(LOREBOOK_VISIBILITIES),
  created_by_user_id: z.string().nullable(),
  entry_count: z.number().int(),
  attachments: z.array(attachmentSchema).openapi({
    description:
      "Where the book is attached, as far as the caller may see the targets: personas they can see, " +
      "their own user personas and conversations",
  }),
  created_at: z.string(),
  updated_at: z.string(),
};

export const lorebookSummarySchema = z.object(summaryFields).openapi("LorebookSummary");

export const lorebookSchema = z
  .object({
    ...summaryFields,
    scan_depth: z.number().int().nullable(),
    token_budget: z.number().int().nullable(),
    recursive_scanning: z.boolean().nullable(),
    extensions: z.record(z.string(), z.unknown()),
    entries: z.array(storedEntrySchema),
  })
  .openapi("Lorebook");
