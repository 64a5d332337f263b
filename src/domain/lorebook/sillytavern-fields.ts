import {
  ENTRY_POSITIONS,
  ENTRY_ROLES,
  SELECTIVE_LOGICS,
  type EntryPosition,
  type EntryRole,
} from "./lorebook-model.ts";

/**
 * SillyTavern entry fields without a typed field in the model, with the snake_case name SillyTavern gives
 * each inside a card entry's `extensions`. They are carried in the entry's `extensions` under that name, so
 * every format round-trips them; the engine reads the inclusion group ones (`group`, `group_override`,
 * `group_weight`) from there and leaves the rest (timed effects, triggers, filters, ...) alone.
 */
export const CARRIED_SILLYTAVERN_FIELDS: readonly (readonly [
  worldInfoName: string,
  extensionName: string,
])[] = [
  ["vectorized", "vectorized"],
  ["group", "group"],
  ["groupOverride", "group_override"],
  ["groupWeight", "group_weight"],
  ["useGroupScoring", "use_group_scoring"],
  ["automationId", "automation_id"],
  ["sticky", "sticky"],
  ["cooldown", "cooldown"],
  ["triggers", "triggers"],
  ["displayIndex", "display_index"],
  ["characterFilter", "character_filter"],
  ["matchPersonaDescription", "match_persona_description"],
  ["matchCharacterDescription", "match_character_description"],
  ["matchCharacterPersonality", "match_character_personality"],
  ["matchCharacterDepthPrompt", "match_character_depth_prompt"],
  ["matchScenario", "match_scenario"],
  ["matchCreatorNotes", "match_creator_notes"],
];

/** Card `extensions` names that map onto typed entry fields (never kept in the model's `extensions`). */
export const TYPED_EXTENSION_NAMES = [
  "position",
  "depth",
  "role",
  "selectiveLogic",
  "outlet_name",
  "exclude_recursion",
  "prevent_recursion",
  "delay_until_recursion",
  "probability",
  "useProbability",
  "scan_depth",
  "case_sensitive",
  "match_whole_words",
  "ignore_budget",
  "delay",
] as const;

export function positionFromNumber(value: number | null | undefined): EntryPosition | null {
  if (value === null || value === undefined || !Number.isInteger(value)) return null;
  return ENTRY_POSITIONS[value] ?? null;
}

export function positionToNumber(position: EntryPosition): number {
  return ENTRY_POSITIONS.indexOf(position);
}

/** SillyTavern numbers roles 0..2; some exporters write the name. */
export function roleFromValue(value: unknown): EntryRole | null {
  if (typeof value === "number") return ENTRY_ROLES[value] ?? null;
  if (typeof value === "string") {
    const lower = value.toLowerCase();
    return (ENTRY_ROLES as readonly string[]).includes(lower) ? (lower as EntryRole) : null;
  }
  return null;
}

export function roleToNumber(role: EntryRole): number {
  return ENTRY_ROLES.indexOf(role);
}

export function selectiveLogicFromNumber(value: number | null | undefined) {
  if (value === null || value === undefined) return null;
  return SELECTIVE_LOGICS[value] ?? null;
}
