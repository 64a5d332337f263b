/**
 * The named parts of a prompt, in the order they are sent. A domain value: the prompt builder fills them,
 * the prompt inspector's stored snapshots and the API's schema name them.
 */
export const PROMPT_SECTION_NAMES = [
  "base_instructions",
  "identity",
  "communication_examples",
  "verbosity",
  "user_persona",
  "memories",
  "history",
  "post_history_instructions",
  "world_info",
] as const;

export type PromptSectionName = (typeof PROMPT_SECTION_NAMES)[number];
