import { z } from "zod";
import { MEMORY_SOURCES, type MemorySource } from "../../memory/memory.ts";
import type { MemoryRow } from "../schema.ts";
import { readStoredDocument } from "./stored-json.ts";

/*
 * A memory's JSON columns. Each has a meaningful default, so one damaged value never hides the memory
 * (or fails the prompt it would be retrieved into): no emotion tags, an unknown origin read as "manual"
 * (what a memory with no recorded source is), no metadata.
 */

const sourceSchema = z.object({
  kind: z.enum(MEMORY_SOURCES),
  message_ids: z.array(z.string()).optional(),
});

export type StoredMemory = Omit<MemoryRow, "emotion_tags" | "source" | "metadata"> & {
  emotion_tags: string[];
  source: MemorySource;
  metadata: Record<string, unknown>;
};

/** Reads a memory row's JSON columns; also what a service uses on a row it has just written. */
export function readMemoryRow(row: MemoryRow): StoredMemory {
  const column = (name: string) => `memories.${name} of ${row.id}`;
  return {
    ...row,
    emotion_tags: readStoredDocument(row.emotion_tags, z.array(z.string()), {
      column: column("emotion_tags"),
      fallback: "default",
      value: () => [],
    }),
    source: readStoredDocument(row.source, sourceSchema, {
      column: column("source"),
      fallback: "default",
      value: (): MemorySource => ({ kind: "manual" }),
    }),
    metadata: readStoredDocument(row.metadata, z.record(z.string(), z.unknown()), {
      column: column("metadata"),
      fallback: "default",
      value: () => ({}),
    }),
  };
}
