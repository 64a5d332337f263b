import { api, query } from "../lib/api.ts";

/**
 * The chat screen's view of the API: the shapes of conversations, messages, prompts and user personas
 * (as src/http/routes/conversation-routes.ts and user-persona-routes.ts answer them), and loaders that
 * read every page of a list.
 */

export interface UserPersonaSnapshot {
  id: string;
  name: string;
  description: string;
}

export interface Message {
  id: string;
  conversation_id: string;
  sequence: number;
  role: "user" | "assistant";
  content: string;
  /** partial: generation stopped early (Stop pressed or the connection dropped). */
  status: "complete" | "partial" | "failed";
  user_persona: UserPersonaSnapshot | null;
  persona_version: number | null;
  /** provider/model that wrote a reply; `offline/…` is the built-in engine; null for stored greetings. */
  model: string | null;
  token_count: number;
  reply_to: string | null;
  created_at: string;
}

export interface Conversation {
  id: string;
  persona_id: string;
  channel: string;
  title: string;
  message_count: number;
  created_at: string;
  updated_at: string;
}

export interface ExchangeUsage {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface Exchange {
  user_message: Message;
  message: Message;
  usage: ExchangeUsage;
  timings: { prompt_ms: number; model_ms: number; total_ms: number };
  warnings: string[];
}

export type PromptSectionName =
  | "base_instructions"
  | "identity"
  | "communication_examples"
  | "verbosity"
  | "user_persona"
  | "memories"
  | "history";

export interface PromptRecord {
  message_id: string;
  model: string;
  parameters: Record<string, unknown>;
  sections: { name: PromptSectionName; text: string; tokens: number }[];
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  warnings: string[];
  total_tokens: number;
  created_at: string;
}

export interface UserPersona {
  id: string;
  name: string;
  description: string;
  avatar_url: string | null;
  is_active: boolean;
}

export interface PersonaSummary {
  id: string;
  name: string;
  kind: "persona" | "preset";
  updated_at: string;
}

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** Most pages a list loader follows (200 items each). */
const MAX_PAGES = 20;

async function allPages<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await api<Page<T>>("GET", `${path}${query({ ...params, limit: 200, after })}`);
    items.push(...result.data);
    if (!result.next_cursor) break;
    after = result.next_cursor;
  }
  return items;
}

/** The user's conversations, most recently active first. */
export async function loadConversations(): Promise<Conversation[]> {
  const conversations = await allPages<Conversation>("/v1/conversations");
  return conversations.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
}

/** The tenant's personas and presets, by name. */
export async function loadPersonas(): Promise<PersonaSummary[]> {
  const personas = await allPages<PersonaSummary>("/v1/personas");
  return personas.sort((a, b) => a.name.localeCompare(b.name));
}

export async function loadUserPersonas(): Promise<UserPersona[]> {
  return allPages<UserPersona>("/v1/user-personas");
}

/** Every message of a conversation, in order. */
export async function loadMessages(conversationId: string): Promise<Message[]> {
  const messages: Message[] = [];
  let afterSequence: number | undefined;
  for (let page = 0; page < MAX_PAGES * 5; page++) {
    const result = await api<{ data: Message[]; next_sequence: number | null }>(
      "GET",
      `/v1/conversations/${encodeURIComponent(conversationId)}/messages${query({ limit: 200, after_sequence: afterSequence })}`,
    );
    messages.push(...result.data);
    if (result.next_sequence === null) break;
    afterSequence = result.next_sequence;
  }
  return messages;
}

/** Starts a conversation on the web channel; it opens with the persona's greeting when it has one. */
export async function createConversation(personaId: string): Promise<Conversation & { messages: Message[] }> {
  return api<Conversation & { messages: Message[] }>("POST", "/v1/conversations", {
    body: { persona_id: personaId, channel: "web" },
  });
}

/** Replies written by the built-in offline engine rather than a configured model. */
export function isOfflineModel(model: string | null): boolean {
  return model !== null && model.startsWith("offline");
}

/** "3 min ago", "yesterday", or a date, for a list of conversations. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  return new Date(time).toLocaleDateString();
}
