import type { Memory } from "../memory/memory.ts";
import type { StoredMemory } from "../store/stored-documents/memory-documents.ts";

/** A stored memory as the API shows it. */
export function toMemory(row: StoredMemory): Memory {
  return {
    id: row.id,
    persona_id: row.persona_id,
    owner: row.owner,
    user_id: row.user_id,
    scope: row.scope,
    facts: row.facts,
    feelings: row.feelings,
    emotion_tags: row.emotion_tags,
    interpretation: row.interpretation,
    type: row.type as Memory["type"],
    strength: row.strength,
    event_time: row.event_time,
    sequence: row.sequence,
    revises: row.revises,
    source: row.source,
    metadata: row.metadata,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
