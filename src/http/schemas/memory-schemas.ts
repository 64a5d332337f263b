import { z } from "@hono/zod-openapi";
import { MEMORY_OWNERS, MEMORY_TYPES } from "../../memory/memory.ts";
import {
  memoryInputSchema as plainMemoryInputSchema,
  memoryPatchSchema as plainMemoryPatchSchema,
} from "../../services/memory-schemas.ts";
import { documentSchema } from "../openapi-documentation.ts";

documentSchema(plainMemoryInputSchema.shape.owner, {
  description: "timeline: the persona's own past; relationship: about the user named by X-Dramatis-User",
});
documentSchema(plainMemoryInputSchema.shape.revises, {
  description: "For a revised memory: the id it corrects",
});
documentSchema(plainMemoryInputSchema.shape.scope, {
  description: "Relationship memory only: a user persona or contact id; null = the whole account",
});
export const memoryInputSchema = documentSchema(plainMemoryInputSchema, "MemoryInput");

export const memoryPatchSchema = documentSchema(plainMemoryPatchSchema, "MemoryPatch");

/** A memory as the API shows it. */
export const memorySchema = z
  .object({
    id: z.string(),
    persona_id: z.string(),
    owner: z.enum(MEMORY_OWNERS),
    user_id: z.string().nullable(),
    scope: z.string().nullable(),
    facts: z.string(),
    feelings: z.string(),
    emotion_tags: z.array(z.string()),
    interpretation: z.string(),
    type: z.enum(MEMORY_TYPES),
    strength: z.number().int(),
    event_time: z.string().nullable(),
    sequence: z.number().int().nullable(),
    revises: z.string().nullable(),
    source: z.object({ kind: z.string(), message_ids: z.array(z.string()).optional() }),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Memory");
