import { z } from "zod";
import { MEMORY_OWNERS, MEMORY_TYPES } from "../memory/memory.ts";

const isoTime = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 time such as 2024-05-01T00:00:00Z" })
  .nullable();

/** A memory as a client writes it: only `facts` is required. */
export const memoryInputSchema = z.strictObject({
  owner: z.enum(MEMORY_OWNERS).default("timeline"),
  facts: z.string().trim().min(1, "must not be empty").max(4000, "must be at most 4000 characters"),
  feelings: z.string().max(4000).default(""),
  emotion_tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
  interpretation: z.string().max(4000).default(""),
  type: z.enum(MEMORY_TYPES).default("normal"),
  strength: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0-100")
    .max(100, "must be 0-100")
    .default(50),
  event_time: isoTime.default(null),
  sequence: z.number().int().min(1).nullable().default(null),
  revises: z.string().max(200).nullable().default(null),
  scope: z.string().max(200).nullable().default(null),
  metadata: z.record(z.string(), z.unknown()).default({}),
});

export type MemoryInput = z.infer<typeof memoryInputSchema>;

export const memoryPatchSchema = z.strictObject({
  facts: memoryInputSchema.shape.facts.optional(),
  feelings: z.string().max(4000).optional(),
  emotion_tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
  interpretation: z.string().max(4000).optional(),
  type: z.enum(MEMORY_TYPES).optional(),
  strength: z
    .number()
    .int("must be a whole number")
    .min(0, "must be 0-100")
    .max(100, "must be 0-100")
    .optional(),
  event_time: isoTime.optional(),
  sequence: z.number().int().min(1).nullable().optional(),
  revises: z.string().max(200).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type MemoryPatch = z.infer<typeof memoryPatchSchema>;
