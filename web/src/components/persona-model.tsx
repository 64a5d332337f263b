/**
 * The persona shapes the web app reads and writes, mirroring src/services/persona-definition.ts and the
 * Persona DTO of src/http/routes/persona-routes.ts, plus small helpers for editing them by dotted path
 * (the same paths the server names in a 422 problem's `errors`).
 */
import type { ApiError } from "../lib/api.ts";
import { personaDefinitionDefaults } from "../../../src/services/persona-defaults.ts";

export type ArtStyle = "realistic" | "semi_realistic" | "anime";
export type Sex = "male" | "female" | "other";
export type MemoryTier = "basic" | "extended" | "longest";
export type MemoryScope = "account" | "user_persona" | "contact";

export interface VoiceConfiguration {
  locale: string;
  prompt: string;
  voice: string | null;
  first_speaker: "agent" | "user";
  first_message: string;
  model: string | null;
  temperature: number | null;
  max_duration_seconds: number;
  silence_timeout_seconds: number;
  recording: boolean;
}

export interface PersonaDefinition {
  name: string;
  identity: {
    age: number | null;
    sex: Sex | null;
    location: string | null;
    occupation: string | null;
    summary: string;
  };
  system_message: string;
  start_prompt: string;
  first_message: string;
  alternate_greetings: string[];
  personality: string;
  scenario: string;
  communication_examples: string[];
  appearance: { description: string; art_style: ArtStyle; avatar_url: string | null };
  voice_configurations: VoiceConfiguration[];
  chat_configuration: {
    prompt: string;
    model: string | null;
    temperature: number | null;
    max_tokens: number | null;
    forward_to_voice: boolean;
  };
  model: string | null;
  sampling: {
    temperature: number | null;
    top_p: number | null;
    top_k: number | null;
    min_p: number | null;
    frequency_penalty: number | null;
    presence_penalty: number | null;
    repetition_penalty: number | null;
    top_a: number | null;
    max_tokens: number | null;
  };
  verbosity: number;
  initiative: number;
  active_hours: { start: string; end: string; time_zone: string };
  modifiers: {
    responds_immediately: boolean;
    responds_outside_active_hours: boolean;
    nsfw: boolean;
    disable_scheduled_messages: boolean;
  };
  features: { sms: boolean; premium_model: boolean; media_generation: boolean; auto_speech: boolean };
  memory: {
    tier: MemoryTier;
    scope: MemoryScope;
    extraction: boolean;
    weights: { relevance: number; importance: number; recency: number };
  };
  tags: string[];
  card: Record<string, unknown>;
  extensions: Record<string, unknown>;
}

export type PersonaVisibility = "tenant" | "private";

export interface Persona extends PersonaDefinition {
  id: string;
  kind: "persona" | "preset";
  join_code: string;
  production_version: number | null;
  latest_version: number;
  has_unpublished_changes: boolean;
  /** who created it: members change only their own unless an admin granted them can_edit_all */
  created_by_user_id: string | null;
  /** "private": only its creator, admins and members with can_edit_all see it; "tenant": every member */
  visibility: PersonaVisibility;
  created_at: string;
  updated_at: string;
}

export interface PersonaTemplate {
  id: string;
  name: string;
  description: string;
  category: string;
  definition: PersonaDefinition;
}

export interface PersonaVersionSummary {
  version: number;
  name: string;
  is_production: boolean;
  created_at: string;
}

export interface PersonaPage {
  data: Persona[];
  next_cursor: string | null;
}

// One copy of the defaults, shared with the server (which checks it against its schema).
export const DEFAULT_DEFINITION = personaDefinitionDefaults() as PersonaDefinition;

export const NEW_VOICE_CONFIGURATION: VoiceConfiguration = {
  locale: "en-US",
  prompt: "",
  voice: null,
  first_speaker: "agent",
  first_message: "",
  model: null,
  temperature: null,
  max_duration_seconds: 600,
  silence_timeout_seconds: 30,
  recording: false,
};

const DEFINITION_KEYS = Object.keys(DEFAULT_DEFINITION) as (keyof PersonaDefinition)[];

/** The definition part of a persona (or template), with defaults for anything missing. */
export function definitionOf(source: Partial<PersonaDefinition>): PersonaDefinition {
  const definition = structuredClone(DEFAULT_DEFINITION) as unknown as Record<string, unknown>;
  for (const key of DEFINITION_KEYS) {
    const value = source[key];
    if (value !== undefined) definition[key] = structuredClone(value);
  }
  return definition as unknown as PersonaDefinition;
}

/** Reads a dotted path ("identity.age", "voice_configurations.0.locale"). */
export function getIn(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Returns a copy of `root` with the value at a dotted path replaced; copies only what it walks through. */
export function setIn<T>(root: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split(".");
  if (head === undefined) return root;
  const container = root as unknown as Record<string, unknown> | unknown[];
  const next = rest.length === 0 ? value : setIn(getIn(root, head), rest.join("."), value);
  if (Array.isArray(container)) {
    const copy = [...container];
    copy[Number(head)] = next;
    return copy as unknown as T;
  }
  return { ...container, [head]: next } as T;
}

/** The server's message for exactly this field (`name` or `definition.name`), not a look-alike suffix. */
export function fieldErrorFor(error: ApiError | undefined, path: string): string | undefined {
  return error?.errors.find((item) => item.field === path || item.field === `definition.${path}`)?.message;
}

/** Whether any of the error's fields sit under one of these dotted prefixes. */
export function hasErrorUnder(error: ApiError | undefined, prefixes: readonly string[]): boolean {
  if (!error) return false;
  return error.errors.some((item) => {
    const field = item.field.replace(/^definition\./, "");
    return prefixes.some((prefix) => field === prefix || field.startsWith(`${prefix}.`));
  });
}

export type PersonaStatus = "draft" | "production" | "published";

/** Draft (never published), production (the newest version is live) or published (an older one is). */
export function statusOf(persona: Persona): PersonaStatus {
  if (persona.production_version === null) return "draft";
  return persona.production_version === persona.latest_version ? "production" : "published";
}

/** "3 May 2025, 14:02" in the reader's locale. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
