import type { PersonaViewer } from "./persona-editor.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { TypedEvents } from "../lib/typed-events.ts";
import type { ChatMessage } from "../models/language-model.ts";
import { countTokens } from "../models/token-count.ts";
import type { Page, PageRequest } from "../store/pagination.ts";
import type { ConversationRow, MessageRow, UserRow } from "../store/schema.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError, ValidationError } from "../errors/app-error.ts";
import { expandMacros } from "../domain/macros.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import type { PersonaService } from "./persona-service.ts";
import { macroContextFor } from "./macro-context.ts";
import { renderHistory, type PromptSection } from "./prompt-assembly.ts";
import type { ReplyGenerator, ReplyOutcome, UserPersonaSnapshot } from "./reply-generator.ts";

export const CHANNELS = ["api", "web", "sms", "whatsapp", "voice"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Conversation {
  id: string;
  persona_id: string;
  channel: string;
  title: string;
  message_count: number;
  created_at: string;
  updated_at: string;
}

export interface Message {
  id: string;
  conversation_id: string;
  sequence: number;
  role: "user" | "assistant";
  content: string;
  status: "complete" | "partial" | "failed";
  user_persona: UserPersonaSnapshot | null;
  persona_version: number | null;
  model: string | null;
  token_count: number;
  reply_to: string | null;
  created_at: string;
}

export interface PromptRecord {
  message_id: string;
  model: string;
  parameters: Record<string, unknown>;
  sections: PromptSection[];
  messages: ChatMessage[];
  warnings: string[];
  total_tokens: number;
  created_at: string;
}

export interface ExchangeResult {
  user_message: Message;
  message: Message;
  usage: { input_tokens: number; output_tokens: number; cost_usd: number };
  timings: ReplyOutcome["timings"];
  warnings: string[];
}

/** `undefined`: the user's active user persona; `null`: explicitly none; a string: that user persona. */
export type UserPersonaChoice = string | null | undefined;

export interface SendMessageOptions {
  signal?: AbortSignal;
  onStart?: (info: { userMessage: Message; replyId: string }) => void | Promise<void>;
  onDelta?: (text: string) => void | Promise<void>;
}

function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    persona_id: row.persona_id,
    channel: row.channel,
    title: row.title,
    message_count: row.message_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toMessage(row: StoredMessage): Message {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    sequence: row.sequence,
    role: row.role,
    content: row.content,
    status: row.status,
    user_persona: row.user_persona,
    persona_version: row.persona_version,
    model: row.model,
    token_count: row.token_count,
    reply_to: row.reply_to,
    created_at: row.created_at,
  };
}

export interface ConversationEvents extends Record<string, unknown> {
  /** A user's message and the persona's reply are stored. */
  "exchange-completed": { user: UserRow; exchange: ExchangeResult };
}

/** Conversations between one user and one persona; another user's are not found. */
export class ConversationService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly replies: ReplyGenerator;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    replies: ReplyGenerator;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.replies = dependencies.replies;
  }

  /** What happened to conversations; the composition root subscribes (memory extraction is queued here). */
  readonly events = new TypedEvents<ConversationEvents>();

  /**
   * Starts a conversation. It opens with the persona's first message (or the alternate greeting chosen by
   * `greeting`: 1 is the first alternate) when it has one, or with a reply the model writes from the
   * persona's start prompt.
   */
  async create(
    user: UserRow,
    input: {
      persona_id: string;
      title?: string | undefined;
      channel?: Channel | undefined;
      greeting?: number | undefined;
    },
    /** a signed-in member cannot start a conversation with another member's private persona (404) */
    viewer: PersonaViewer = user.tenant_id,
  ): Promise<{ conversation: Conversation; messages: Message[] }> {
    const { definition, version } = await this.personas.getServingDefinition(viewer, input.persona_id);
    const greetingText = chosenGreeting(definition, input.greeting ?? 0);
    const now = this.clock.now().toISOString();
    const row: ConversationRow = {
      id: newId("cnv"),
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: input.persona_id,
      channel: input.channel ?? "api",
      title: input.title?.trim() || `Chat with ${definition.name}`,
      message_count: 0,
      created_at: now,
      updated_at: now,
    };
    await this.store.conversations.insert(row);
    const userPersona = await this.resolveUserPersona(user, undefined);
    const messages: Message[] = [];
    const greeting = await this.greeting(greetingText, {
      definition,
      user,
      userPersona,
      conversationId: row.id,
    });
    if (greeting) {
      const opener = await this.storeMessage({
        conversationId: row.id,
        role: "assistant",
        content: greeting,
        userPersona,
        personaVersion: version,
      });
      messages.push(opener);
    } else if (definition.start_prompt.trim()) {
      const outcome = await this.replies.reply({
        tenantId: user.tenant_id,
        userId: user.id,
        conversationId: row.id,
        personaId: input.persona_id,
        persona: definition,
        personaVersion: version,
        userPersona,
        replyTo: null,
        instruction: `Begin the conversation. ${definition.start_prompt.trim()}`,
      });
      messages.push(toMessage(outcome.reply));
    }
    const stored = await this.store.conversations.find(user.id, row.id);
    return { conversation: toConversation(stored ?? row), messages };
  }

  async list(
    user: UserRow,
    page: PageRequest & { personaId?: string | undefined },
  ): Promise<Page<Conversation>> {
    const result = await this.store.conversations.list(user.id, page);
    return { items: result.items.map(toConversation), nextCursor: result.nextCursor };
  }

  async get(user: UserRow, id: string): Promise<Conversation> {
    return toConversation(await this.findRow(user, id));
  }

  async delete(user: UserRow, id: string): Promise<void> {
    await this.findRow(user, id);
    await this.store.conversations.delete(user.id, id);
  }

  async listMessages(
    user: UserRow,
    id: string,
    page: { limit: number; afterSequence?: number },
  ): Promise<{ items: Message[]; nextSequence: number | null }> {
    await this.findRow(user, id);
    const rows = await this.store.conversations.listMessages(id, { ...page, limit: page.limit + 1 });
    const items = rows.slice(0, page.limit).map(toMessage);
    return { items, nextSequence: rows.length > page.limit ? (items.at(-1)?.sequence ?? null) : null };
  }

  /** The exact prompt that produced a reply, section by section. */
  async getPrompt(user: UserRow, conversationId: string, messageId: string): Promise<PromptRecord> {
    await this.findRow(user, conversationId);
    const message = await this.store.conversations.findMessage(conversationId, messageId);
    if (!message) throw new NotFoundError(`message ${messageId}`);
    const prompt = await this.store.conversations.findPrompt(messageId);
    if (!prompt) {
      throw new NotFoundError(
        `a prompt for message ${messageId} (only the persona's generated replies have one)`,
      );
    }
    const { messages } = prompt;
    const sections = prompt.sections.map((section) =>
      section.name === "history" ? { ...section, text: renderHistory(messages.slice(1)) } : section,
    );
    return {
      message_id: messageId,
      model: prompt.model,
      parameters: prompt.parameters,
      sections,
      messages,
      warnings: prompt.warnings,
      total_tokens: sections.reduce((total, section) => total + section.tokens, 0),
      created_at: prompt.created_at,
    };
  }

  /**
   * Stores the user's message first (it survives any model failure), then has the persona reply.
   *
   * @example await conversations.send(user, id, { content: "Hi!" }, { onDelta: (text) => write(text) });
   */
  async send(
    user: UserRow,
    conversationId: string,
    input: { content: string; userPersonaId?: UserPersonaChoice },
    options: SendMessageOptions = {},
  ): Promise<ExchangeResult> {
    const userMessage = await this.accept(user, conversationId, input);
    return this.answer(user, conversationId, userMessage, options);
  }

  /**
   * Stores the user's message with the user persona in force, before any model runs. The reply follows
   * with `answer`, now or in a background job.
   */
  async accept(
    user: UserRow,
    conversationId: string,
    input: { content: string; userPersonaId?: UserPersonaChoice },
  ): Promise<Message> {
    const conversation = await this.findRow(user, conversationId);
    const userPersona = await this.resolveUserPersona(user, input.userPersonaId);
    const { version } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    return this.storeMessage({
      conversationId,
      role: "user",
      content: input.content,
      userPersona,
      personaVersion: version,
    });
  }

  /** Has the persona reply to a stored user message (with the user persona that message recorded). */
  async answer(
    user: UserRow,
    conversationId: string,
    userMessage: Message,
    options: SendMessageOptions = {},
  ): Promise<ExchangeResult> {
    const conversation = await this.findRow(user, conversationId);
    const { definition, version } = await this.personas.getServingDefinition(
      user.tenant_id,
      conversation.persona_id,
    );
    const outcome = await this.replies.reply({
      tenantId: user.tenant_id,
      userId: user.id,
      conversationId,
      personaId: conversation.persona_id,
      persona: definition,
      personaVersion: version,
      userPersona: userMessage.user_persona,
      replyTo: userMessage.id,
      signal: options.signal,
      onDelta: options.onDelta,
      onStart: (replyId) => options.onStart?.({ userMessage, replyId }),
    });
    const exchange: ExchangeResult = {
      user_message: userMessage,
      message: toMessage(outcome.reply),
      usage: {
        input_tokens: outcome.result.usage.inputTokens,
        output_tokens: outcome.result.usage.outputTokens,
        cost_usd: outcome.costUsd,
      },
      timings: outcome.timings,
      warnings: outcome.result.warnings,
    };
    await this.events.emit("exchange-completed", { user, exchange });
    return exchange;
  }

  /** A stored message of the user's conversation. */
  async getMessage(user: UserRow, conversationId: string, messageId: string): Promise<Message> {
    await this.findRow(user, conversationId);
    const row = await this.store.conversations.findMessage(conversationId, messageId);
    if (!row) throw new NotFoundError(`message ${messageId}`);
    return toMessage(row);
  }

  /**
   * A greeting as the user sees it, macros replaced, or "" when nothing is left of it. Stored so: its
   * `{{random}}` must not change each time the chat is read.
   */
  private async greeting(
    text: string,
    options: {
      definition: PersonaDefinition;
      user: UserRow;
      userPersona: UserPersonaSnapshot | null;
      conversationId: string;
    },
  ): Promise<string> {
    if (!text.trim()) return "";
    const macros = await macroContextFor(this.store, this.clock, {
      persona: options.definition,
      userPersona: options.userPersona,
      userId: options.user.id,
      seed: options.conversationId,
      previousUserMessageAt: null,
    });
    const greeting = expandMacros(text, macros);
    return greeting.trim() ? greeting : "";
  }

  /** The request's user persona, else the user's active one, else none. */
  private async resolveUserPersona(
    user: UserRow,
    choice: UserPersonaChoice,
  ): Promise<UserPersonaSnapshot | null> {
    const id = choice === undefined ? user.active_user_persona_id : choice;
    if (id === null) return null;
    const row = await this.store.userPersonas.find(user.id, id);
    if (!row) {
      if (choice === undefined) return null; // the active one was deleted meanwhile: No Persona
      throw new NotFoundError(`user persona ${id}`);
    }
    return { id: row.id, name: row.name, description: row.description };
  }

  private async storeMessage(options: {
    conversationId: string;
    role: MessageRow["role"];
    content: string;
    userPersona: UserPersonaSnapshot | null;
    personaVersion: number | null;
  }): Promise<Message> {
    const now = this.clock.now().toISOString();
    const row = await this.store.transaction(async (store) => {
      const message: StoredMessage = {
        id: newId("msg"),
        conversation_id: options.conversationId,
        sequence: await store.conversations.claimSequence(options.conversationId, now),
        role: options.role,
        content: options.content,
        status: "complete",
        user_persona: options.userPersona ?? null,
        persona_version: options.personaVersion,
        model: null,
        token_count: countTokens(options.content),
        reply_to: null,
        error: null,
        created_at: now,
      };
      await store.conversations.insertMessage(message);
      return message;
    });
    return toMessage(row);
  }

  private async findRow(user: UserRow, id: string): Promise<ConversationRow> {
    const row = await this.store.conversations.find(user.id, id);
    if (!row) throw new NotFoundError(`conversation ${id}`);
    return row;
  }
}

/** The greeting a conversation opens with: 0 the first message, n the n-th alternate greeting. */
function chosenGreeting(definition: PersonaDefinition, index: number): string {
  if (index === 0) return definition.first_message;
  const alternate = definition.alternate_greetings[index - 1];
  if (alternate === undefined) {
    const count = definition.alternate_greetings.length;
    throw new ValidationError([
      {
        field: "greeting",
        message:
          count === 0
            ? "this persona has no alternate greetings: use 0 (its first message)"
            : `this persona has ${count} alternate greeting${count === 1 ? "" : "s"}: use 0 (its first message) to ${count}`,
      },
    ]);
  }
  return alternate;
}
