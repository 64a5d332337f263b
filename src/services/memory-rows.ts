import { newId } from "../lib/ids.ts";
import type { Memory, MemoryDraft, MemorySource } from "../memory/memory.ts";
import type { MemoryRow } from "../store/schema.ts";
import { serializeStoredJson } from "../store/stored-documents/stored-json.ts";
import type { MemoryActor } from "./memory-access.ts";
import type { MemoryInput } from "./memory-schemas.ts";
import type { Persona } from "./persona-views.ts";

/** The text full-text search indexes for a memory. */
export function searchTextOf(
  memory: Pick<Memory, "facts" | "feelings" | "interpretation" | "emotion_tags">,
): string {
  return [memory.facts, memory.feelings, memory.interpretation, memory.emotion_tags.join(" ")]
    .filter(Boolean)
    .join("\n");
}

/** The row for a memory a user wrote or imported; relationship memory is about the acting user. */
export function memoryRowFromInput(options: {
  actor: MemoryActor;
  persona: Persona;
  input: MemoryInput;
  source: MemorySource;
  now: string;
}): MemoryRow {
  const { actor, persona, input, source, now } = options;
  const relationship = input.owner === "relationship";
  return {
    id: newId("mem"),
    tenant_id: actor.tenantId,
    persona_id: persona.id,
    owner: input.owner,
    user_id: relationship ? (actor.user?.id ?? null) : null,
    scope: relationship ? input.scope : null,
    facts: input.facts,
    feelings: input.feelings,
    emotion_tags: JSON.stringify(input.emotion_tags),
    interpretation: input.interpretation,
    type: input.type,
    strength: input.strength,
    event_time: input.event_time === null ? null : new Date(input.event_time).toISOString(),
    sequence: input.sequence,
    revises: input.revises,
    source: JSON.stringify(source),
    metadata: serializeStoredJson(input.metadata, "metadata"),
    search_text: searchTextOf(input),
    created_at: now,
    updated_at: now,
  };
}

/** The row for a memory the system wrote itself (extraction, generation). */
export function memoryRowFromDraft(options: {
  draft: MemoryDraft & { id?: string };
  tenantId: string;
  personaId: string;
  owner: Memory["owner"];
  userId: string | null;
  scope: string | null;
  source: MemorySource;
  now: string;
}): MemoryRow {
  const { draft, now } = options;
  return {
    id: draft.id ?? newId("mem"),
    tenant_id: options.tenantId,
    persona_id: options.personaId,
    owner: options.owner,
    user_id: options.userId,
    scope: options.scope,
    facts: draft.facts,
    feelings: draft.feelings,
    emotion_tags: JSON.stringify(draft.emotion_tags),
    interpretation: draft.interpretation,
    type: draft.type,
    strength: draft.strength,
    event_time: draft.event_time,
    sequence: draft.sequence,
    revises: draft.revises,
    source: JSON.stringify(options.source),
    metadata: serializeStoredJson(draft.metadata ?? {}, "metadata"),
    search_text: searchTextOf(draft),
    created_at: now,
    updated_at: now,
  };
}

/** The columns an edit rewrites, from the memory as it reads after the edit. */
export function memoryRowChanges(next: Memory) {
  return {
    facts: next.facts,
    feelings: next.feelings,
    emotion_tags: JSON.stringify(next.emotion_tags),
    interpretation: next.interpretation,
    type: next.type,
    strength: next.strength,
    event_time: next.event_time,
    sequence: next.sequence,
    revises: next.revises,
    metadata: serializeStoredJson(next.metadata, "metadata"),
    search_text: searchTextOf(next),
    // The text may have changed: the old vector no longer describes it.
    embedding: null,
    embedding_model: null,
    updated_at: next.updated_at,
  };
}
