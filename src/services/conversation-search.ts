import type { UserRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { ValidationError } from "../errors/app-error.ts";

/** One shown message that contains the query, with enough around the match to recognise it. */
export interface MessageSearchHit {
  conversation: { id: string; title: string; persona_id: string };
  message_id: string;
  role: "user" | "assistant";
  /** the message's text around the first match; "…" where it was cut */
  snippet: string;
  /** where the match starts in `snippet` and how long it is, for highlighting */
  match: { start: number; length: number };
  created_at: string;
}

/** Characters of context kept on each side of a match in a snippet. */
const SNIPPET_CONTEXT = 60;

/**
 * `content` cut to the first case-insensitive occurrence of `query` with some context either side. When
 * the match is not found by the JavaScript comparison (a case fold the database made differently), the
 * snippet is the message's start.
 */
export function snippetAround(content: string, query: string): Pick<MessageSearchHit, "snippet" | "match"> {
  const found = content.toLowerCase().indexOf(query.toLowerCase());
  const index = Math.max(found, 0);
  const start = Math.max(0, index - SNIPPET_CONTEXT);
  const end = Math.min(content.length, index + query.length + SNIPPET_CONTEXT);
  const prefix = start > 0 ? "…" : "";
  const snippet = `${prefix}${content.slice(start, end)}${end < content.length ? "…" : ""}`;
  return {
    snippet,
    match:
      found === -1 ? { start: 0, length: 0 } : { start: prefix.length + index - start, length: query.length },
  };
}

/** Search over the messages of one user's conversations (only theirs, only what the conversations show). */
export class ConversationSearch {
  private readonly store: Store;

  constructor(dependencies: { store: Store }) {
    this.store = dependencies.store;
  }

  /**
   * The user's shown messages containing `query` (case-insensitive, literal: no wildcards), newest
   * first. `cursor` is the previous page's `nextCursor`.
   *
   * @example const page = await search.search(user, { query: "lisbon", limit: 20 });
   */
  async search(
    user: UserRow,
    options: { query: string; personaId?: string | undefined; limit: number; cursor?: string | undefined },
  ): Promise<{ items: MessageSearchHit[]; nextCursor: string | null }> {
    const query = options.query.trim();
    if (!query) throw new ValidationError([{ field: "q", message: "must not be empty" }]);
    const rows = await this.store.conversations.searchMessages(user.id, {
      text: query,
      personaId: options.personaId,
      limit: options.limit + 1,
      before: options.cursor,
    });
    const items = rows.slice(0, options.limit).map((row) => ({
      conversation: { id: row.conversation_id, title: row.title, persona_id: row.persona_id },
      message_id: row.message_id,
      role: row.role,
      ...snippetAround(row.content, query),
      created_at: row.created_at,
    }));
    return { items, nextCursor: rows.length > options.limit ? (items.at(-1)?.message_id ?? null) : null };
  }
}
