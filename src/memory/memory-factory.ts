import type { Memory } from "./memory.ts";

/**
 * Builds a complete memory for tests and examples: only what a test cares about needs saying.
 * Lives next to the memory functions because their tests are its only users.
 *
 * @example buildMemory({ id: "m1", facts: "You learned to swim.", strength: 80 })
 */
export function buildMemory(overrides: Partial<Memory> = {}): Memory {
  return {
    id: "memory-1",
    persona_id: "persona-1",
    owner: "timeline",
    user_id: null,
    scope: null,
    facts: "You learned to swim in the lake.",
    feelings: "",
    emotion_tags: [],
    interpretation: "",
    type: "normal",
    strength: 50,
    event_time: null,
    sequence: null,
    revises: null,
    source: { kind: "manual" },
    metadata: {},
    created_at: "2024-01-01T00:00:00.000Z",
    updated_at: "2024-01-01T00:00:00.000Z",
    ...overrides,
  };
}
