/**
 * The memory model shared by storage, retrieval, extraction and consistency checks.
 *
 * A memory belongs to a persona and has one of two kinds of owner: the persona's own **timeline**
 * (autobiographical, shared by every conversation) or **relationship** memory about one user, scoped to
 * the account by default, or to a user persona or contact when the persona is configured so.
 */

export const MEMORY_TYPES = ["normal", "pride", "shame", "repressed", "revised", "exaggerated"] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export const MEMORY_OWNERS = ["timeline", "relationship"] as const;
export type MemoryOwner = (typeof MEMORY_OWNERS)[number];

export const MEMORY_SOURCES = ["manual", "import", "extraction", "generation"] as const;
export type MemorySourceKind = (typeof MEMORY_SOURCES)[number];

/** Strength at or above which a memory is vivid; below FADED_BELOW it is hazy. */
export const VIVID_FROM = 75;
export const FADED_BELOW = 40;

export interface MemorySource {
  kind: MemorySourceKind;
  /** Messages it was extracted from, when there were any. */
  message_ids?: string[];
}

export interface Memory {
  id: string;
  persona_id: string;
  owner: MemoryOwner;
  /** The user a relationship memory is about; null for the timeline. */
  user_id: string | null;
  /** Finer scope of a relationship memory: a user persona id or a contact id; null = the whole account. */
  scope: string | null;
  facts: string;
  feelings: string;
  emotion_tags: string[];
  interpretation: string;
  type: MemoryType;
  /** 0-100: how vividly it is recalled. */
  strength: number;
  /** When it happened (ISO 8601), if known. */
  event_time: string | null;
  /** Its place in the stated order of the timeline (1, 2, 3…), if it has one. */
  sequence: number | null;
  /** For a `revised` memory: the memory it corrects. */
  revises: string | null;
  source: MemorySource;
  /** Free JSON, returned exactly as stored. */
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** The fields a new memory is made of (ids, owner and times are added by the store). */
export type MemoryDraft = Pick<
  Memory,
  | "facts"
  | "feelings"
  | "emotion_tags"
  | "interpretation"
  | "type"
  | "strength"
  | "event_time"
  | "sequence"
  | "revises"
> & { metadata?: Record<string, unknown> };
