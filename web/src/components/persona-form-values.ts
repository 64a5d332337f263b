/**
 * Editing a persona's definition in the builder: the defaults, helpers that read and write it by dotted
 * path (the same paths the server names in a 422 problem's `errors`), and labels. The shapes themselves
 * come from the SDK (`Schema<"Persona">`).
 */
import type { ApiError, Schema } from "../lib/api.ts";
import { personaDefinitionDefaults } from "../../../src/domain/persona-defaults.ts";

type Persona = Schema<"Persona">;
type PersonaDefinition = Schema<"PersonaDefinition">;

// One copy of the defaults, shared with the server (which checks it against its schema).
export const DEFAULT_DEFINITION = personaDefinitionDefaults() as PersonaDefinition;

export const NEW_VOICE_CONFIGURATION: Schema<"VoiceConfiguration"> = {
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
