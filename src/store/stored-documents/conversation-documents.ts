import { z } from "zod";
import { PROMPT_SECTION_NAMES } from "../../domain/prompt-sections.ts";
import type { MessagePromptRow, MessageRow } from "../schema.ts";
import { readNullableStoredDocument, readStoredDocument } from "./stored-json.ts";

/*
 * A message's user-persona snapshot and the prompt recorded with a reply. The snapshot is shown beside
 * the message; when it cannot be read the message shows as sent with no persona (null) rather than
 * hiding the conversation. A prompt's messages and sections are the record itself: no default stands in
 * for them, so a damaged one is a StoredDocumentError; its parameters and warnings default to none.
 */

const userPersonaSnapshotSchema = z.object({ id: z.string(), name: z.string(), description: z.string() });

export type StoredMessage = Omit<MessageRow, "user_persona"> & {
  user_persona: z.infer<typeof userPersonaSnapshotSchema> | null;
};

export function readMessageRow(row: MessageRow): StoredMessage {
  return {
    ...row,
    user_persona: readNullableStoredDocument(row.user_persona, userPersonaSnapshotSchema.nullable(), {
      column: `messages.user_persona of ${row.id}`,
      fallback: "default",
      value: () => null,
    }),
  };
}

export function writeMessageRow(message: StoredMessage): MessageRow {
  return {
    ...message,
    user_persona: message.user_persona === null ? null : JSON.stringify(message.user_persona),
  };
}

const promptSchemas = {
  messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })),
  sections: z.array(
    z.object({
      name: z.enum(PROMPT_SECTION_NAMES),
      text: z.string(),
      tokens: z.number(),
      detail: z.string().optional(),
    }),
  ),
  parameters: z.record(z.string(), z.unknown()),
  warnings: z.array(z.string()),
};

export type StoredPrompt = Omit<MessagePromptRow, keyof typeof promptSchemas> & {
  [Key in keyof typeof promptSchemas]: z.infer<(typeof promptSchemas)[Key]>;
};

export function readPromptRow(row: MessagePromptRow): StoredPrompt {
  const column = (name: string) => `message_prompts.${name} of ${row.message_id}`;
  return {
    ...row,
    messages: readStoredDocument(row.messages, promptSchemas.messages, {
      column: column("messages"),
      fallback: "error",
    }),
    sections: readStoredDocument(row.sections, promptSchemas.sections, {
      column: column("sections"),
      fallback: "error",
    }),
    parameters: readStoredDocument(row.parameters, promptSchemas.parameters, {
      column: column("parameters"),
      fallback: "default",
      value: () => ({}),
    }),
    warnings: readStoredDocument(row.warnings, promptSchemas.warnings, {
      column: column("warnings"),
      fallback: "default",
      value: () => [],
    }),
  };
}

export function writePromptRow(prompt: StoredPrompt): MessagePromptRow {
  return {
    ...prompt,
    messages: JSON.stringify(prompt.messages),
    sections: JSON.stringify(prompt.sections),
    parameters: JSON.stringify(prompt.parameters),
    warnings: JSON.stringify(prompt.warnings),
  };
}
