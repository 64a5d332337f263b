import { lorebookContentSchema, type LorebookContent } from "../../domain/lorebook/lorebook-document.ts";
import type { LorebookRow } from "../schema.ts";
import { readStoredDocument, serializeStoredJson } from "./stored-json.ts";

/** A lorebook row with its content read; a book that cannot be read is an error, never an empty book. */
export type StoredLorebook = Omit<LorebookRow, "content"> & { content: LorebookContent };

export function readLorebookRow(row: LorebookRow): StoredLorebook {
  const content = readStoredDocument(row.content, lorebookContentSchema, {
    column: `lorebooks.content of ${row.id}`,
    fallback: "error",
  });
  // Every stored entry was given its id on write; an id lost by a hand edit takes its index.
  return {
    ...row,
    content: {
      ...content,
      entries: content.entries.map((entry, index) => ({ ...entry, id: entry.id ?? `#${index}` })),
    },
  };
}

export function writeLorebookContent(content: LorebookContent): {
  content: string;
  description: string;
  entry_count: number;
} {
  return {
    content: serializeStoredJson(content),
    description: content.description,
    entry_count: content.entries.length,
  };
}
