/**
 * A conversation as a file carries it, whatever the format: the messages the chat shows in order, each
 * with every alternative (swipe) of its turn and which one is shown. Ids stay behind: an import makes
 * new ones.
 */
export interface TranscriptAlternative {
  content: string;
  status: "complete" | "partial" | "failed";
  /** provider/model that wrote it; null for the user's messages and greetings */
  model: string | null;
  created_at: string;
  edited_at: string | null;
}

export interface TranscriptMessage {
  role: "user" | "assistant";
  /** the user persona in force when it was written; null for No Persona (or a format without them) */
  user_persona: { id: string; name: string; description: string } | null;
  /** at least one; a user's message has exactly one */
  alternatives: TranscriptAlternative[];
  /** index in `alternatives` of the one the chat shows */
  chosen: number;
}

export interface Transcript {
  title: string;
  channel: string;
  created_at: string;
  /** the persona's id where the format knows it (Dramatis), and its name */
  persona: { id: string | null; name: string };
  /** what the user is called in the chat (SillyTavern's user_name) */
  user_name: string;
  messages: TranscriptMessage[];
}

/** Bounds on what one import may hold, so a file cannot make the server store without limit. */
export const TRANSCRIPT_LIMITS = {
  messages: 5_000,
  alternativesPerMessage: 100,
  /** characters of one message (a sent message may have 32,000; imported chats run longer) */
  contentLength: 100_000,
  titleLength: 200,
} as const;

/** Problems found reading a file: each names where (a line, a field) and what is wrong. */
export class TranscriptFormatError extends Error {
  constructor(readonly problems: { field: string; message: string }[]) {
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join("; "));
    this.name = "TranscriptFormatError";
  }
}
