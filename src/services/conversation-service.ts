import type { PersonaViewer } from "./persona-editor.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { TypedEvents } from "../lib/typed-events.ts";
import { countTokens } from "../models/token-count.ts";
import type { Page, PageRequest } from "../store/pagination.ts";
import type { ConversationRow, UserRow } from "../store/schema.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError } from "../errors/app-error.ts";
import { ConversationAlternatives } from "./conversation-alternatives.ts";
import { expandGreetings, openingGreetings } from "./conversation-greetings.ts";
import { ConversationMessageWriter } from "./conversation-message-writer.ts";
import {
  ConversationReplies,
  type ConversationMediaTools,
  type ExchangeResult,
  type ReplyResult,
  type SendMessageOptions,
} from "./conversation-replies.ts";
import { resolveUserPersona, type UserPersonaChoice } from "./conversation-user-persona.ts";
import {
  MessageViews,
  toConversation,
  toMessage,
  turnOf,
  type Channel,
  type Conversation,
  type Message,
  toPromptRecord,
  type PromptRecord,
} from "./conversation-views.ts";
import type { PersonaService } from "./persona-service.ts";
import type { ReplyGenerator } from "./reply-generator.ts";

/** What the user sends: text, and a voice message or photos uploaded to the conversation before. */
export interface SendMessageInput {
  content: string;
  userPersonaId?: UserPersonaChoice;
  recordingId?: string | undefined;
  /** photos uploaded with POST .../attachments, sent with this message */
  attachmentIds?: readonly string[] | undefined;
}

export interface ConversationEvents extends Record<string, unknown> {
  /** A user's message and the persona's reply are stored. */
  "exchange-completed": { user: UserRow; exchange: ExchangeResult };
}

/**
 * Conversations between one user and one persona; another user's are not found. Routes call this class;
 * it checks the conversation is the user's and hands the work to its collaborators: MessageViews (what a
 * message shows), ConversationMessageWriter (messages no model writes), ConversationAlternatives (swipes)
 * and ConversationReplies (what the model writes).
 */
export class ConversationService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;
  private readonly views: MessageViews;
  private readonly writer: ConversationMessageWriter;
  private readonly alternatives: ConversationAlternatives;
  private readonly replies: ConversationReplies;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    replies: ReplyGenerator;
    /** the persona's media tool in chats; none: replies are text only */
    mediaTools?: ConversationMediaTools;
  }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.views = new MessageViews(dependencies.store);
    this.writer = new ConversationMessageWriter({
      store: dependencies.store,
      clock: dependencies.clock,
      views: this.views,
    });
    this.alternatives = new ConversationAlternatives({ store: dependencies.store, views: this.views });
    this.replies = new ConversationReplies({
      store: dependencies.store,
      personas: dependencies.personas,
      replies: dependencies.replies,
      mediaTools: dependencies.mediaTools,
      views: this.views,
    });
  }

  /** What happened to conversations; the composition root subscribes (memory extraction is queued here). */
  readonly events = new TypedEvents<ConversationEvents>();

  private readonly deleteListeners: Array<(conversationId: string) => Promise<void>> = [];

  /**
   * Runs after a conversation or some of its messages are deleted: what lives outside their rows (audio
   * blobs) is cleaned up by the listener the composition root subscribes.
   */
  onDelete(listener: (conversationId: string) => Promise<void>): void {
    this.deleteListeners.push(listener);
  }

  private async deleted(conversationId: string): Promise<void> {
    for (const listener of this.deleteListeners) await listener(conversationId);
  }

  /**
   * Starts a conversation. It opens with the persona's first message (or the greeting chosen by `greeting`:
   * 1 is the first alternate greeting, then the card's group-only greetings) when it has one, or with a
   * reply the model writes from the persona's start prompt. The other greetings are stored as the opening
   * message's alternatives (see swipeableGreetings), so the user swipes between them like between replies.
   */
  async create(
    user: UserRow,
    input: {
      persona_id: string;
      title?: string | undefined;
      channel?: Channel | undefined;
      greeting?: number | undefined;
      /** false: open with no greeting (a call that speaks its own first message) */
      greet?: boolean | undefined;
    },
    /** a signed-in member cannot start a conversation with another member's private persona (404) */
    viewer: PersonaViewer = user.tenant_id,
  ): Promise<{ conversation: Conversation; messages: Message[] }> {
    const { definition, version } = await this.personas.getServingDefinition(viewer, input.persona_id);
    const greetings =
      input.greet === false ? { texts: [], chosen: -1 } : openingGreetings(definition, input.greeting ?? 0);
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
      branched_from_conversation_id: null,
      branched_from_message_id: null,
    };
    await this.store.conversations.insert(row);
    const userPersona = await resolveUserPersona(this.store, user, undefined);
    const messages: Message[] = [];
    const shown = await expandGreetings({ store: this.store, clock: this.clock }, greetings, {
      definition,
      user,
      userPersona,
      conversationId: row.id,
    });
    if (shown.chosen >= 0) {
      const opener = await this.writer.storeGreetings({
        conversationId: row.id,
        greetings: shown.greetings,
        chosen: shown.chosen,
        userPersona,
        personaVersion: version,
      });
      messages.push(opener);
    } else if (input.greet !== false && definition.start_prompt.trim()) {
      messages.push(
        await this.replies.open(user, {
          conversationId: row.id,
          personaId: input.persona_id,
          persona: definition,
          personaVersion: version,
          userPersona,
        }),
      );
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
    await this.deleted(id);
  }

  async listMessages(
    user: UserRow,
    id: string,
    page: { limit: number; afterSequence?: number },
  ): Promise<{ items: Message[]; nextSequence: number | null }> {
    await this.findRow(user, id);
    const rows = await this.store.conversations.listMessages(id, { ...page, limit: page.limit + 1 });
    const items = await this.views.withAlternatives(id, rows.slice(0, page.limit));
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
    return toPromptRecord(messageId, prompt);
  }

  /**
   * Stores the user's message first (it survives any model failure), then has the persona reply.
   *
   * @example await conversations.send(user, id, { content: "Hi!" }, { onDelta: (text) => write(text) });
   */
  async send(
    user: UserRow,
    conversationId: string,
    input: SendMessageInput,
    options: SendMessageOptions = {},
  ): Promise<ExchangeResult> {
    const userMessage = await this.accept(user, conversationId, input);
    return this.answer(user, conversationId, userMessage, options);
  }

  /**
   * Stores the user's message with the user persona in force, before any model runs. The reply follows
   * with `answer`, now or in a background job.
   */
  async accept(user: UserRow, conversationId: string, input: SendMessageInput): Promise<Message> {
    const conversation = await this.findRow(user, conversationId);
    const userPersona = await resolveUserPersona(this.store, user, input.userPersonaId);
    const { version } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    return this.writer.storeMessage({
      conversationId,
      role: "user",
      content: input.content,
      userPersona,
      personaVersion: version,
      recording: input.recordingId ? { tenantId: user.tenant_id, id: input.recordingId } : undefined,
      attachments: input.attachmentIds?.length ? { userId: user.id, ids: input.attachmentIds } : undefined,
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
    const exchange = await this.replies.answer(user, conversation, userMessage, options);
    await this.events.emit("exchange-completed", { user, exchange });
    return exchange;
  }

  /**
   * Stores something the persona says that no model wrote (a call's first message, its goodbye), as a
   * shown reply of its own.
   */
  async say(user: UserRow, conversationId: string, content: string): Promise<Message> {
    const conversation = await this.findRow(user, conversationId);
    const { version } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    return this.writer.storeMessage({
      conversationId,
      role: "assistant",
      content,
      userPersona: await resolveUserPersona(this.store, user, undefined),
      personaVersion: version,
    });
  }

  /** A stored message of the user's conversation. */
  async getMessage(user: UserRow, conversationId: string, messageId: string): Promise<Message> {
    await this.findRow(user, conversationId);
    const row = await this.store.conversations.findMessage(conversationId, messageId);
    if (!row) throw new NotFoundError(`message ${messageId}`);
    return toMessage(row);
  }

  async rename(user: UserRow, id: string, title: string): Promise<Conversation> {
    await this.findRow(user, id);
    await this.store.conversations.rename(user.id, id, title, this.clock.now().toISOString());
    return this.get(user, id);
  }

  /** Replaces a message's content (the user's or the persona's); the next prompt's history sends the edit. */
  async editMessage(
    user: UserRow,
    conversationId: string,
    messageId: string,
    content: string,
  ): Promise<Message> {
    const message = await this.findMessageRow(user, conversationId, messageId);
    await this.store.conversations.updateMessage(conversationId, message.id, {
      content,
      token_count: countTokens(content),
      edited_at: this.clock.now().toISOString(),
    });
    return this.views.shownMessage(conversationId, messageId);
  }

  /**
   * Deletes a message. A shown reply goes with every alternative of its turn (what the user sees of it
   * disappears whole); an alternative not shown goes alone. Only this ever removes a user's message.
   */
  async deleteMessage(user: UserRow, conversationId: string, messageId: string): Promise<void> {
    const message = await this.findMessageRow(user, conversationId, messageId);
    const doomed = message.chosen
      ? (await this.store.conversations.listAlternatives(conversationId, [turnOf(message)])).map(
          (row) => row.id,
        )
      : [message.id];
    await this.store.conversations.deleteMessages(conversationId, doomed);
    await this.deleted(conversationId);
  }

  /** Every alternative of the message's turn, oldest first, and which of them is shown. */
  async listAlternatives(
    user: UserRow,
    conversationId: string,
    messageId: string,
  ): Promise<{ items: Message[]; chosen: number }> {
    const message = await this.findMessageRow(user, conversationId, messageId);
    return this.alternatives.list(conversationId, message);
  }

  /** Shows the turn's alternative `index` (from 0) instead of the current one (see ConversationAlternatives). */
  async chooseAlternative(
    user: UserRow,
    conversationId: string,
    messageId: string,
    index: number,
  ): Promise<Message> {
    const message = await this.findMessageRow(user, conversationId, messageId);
    return this.alternatives.choose(conversationId, message, index);
  }

  /** A new alternative of the latest reply, shown instead of it (see ConversationReplies.regenerate). */
  async regenerate(
    user: UserRow,
    conversationId: string,
    messageId: string,
    options: SendMessageOptions = {},
  ): Promise<ReplyResult> {
    const conversation = await this.findRow(user, conversationId);
    const message = await this.findMessageRow(user, conversationId, messageId);
    return this.replies.regenerate(user, conversation, message, options);
  }

  /** The persona goes on with the conversation's last message, its own: the continuation is appended. */
  async continueReply(
    user: UserRow,
    conversationId: string,
    options: Omit<SendMessageOptions, "onStart"> & {
      onStart?: (message: Message) => void | Promise<void>;
    } = {},
  ): Promise<ReplyResult> {
    const conversation = await this.findRow(user, conversationId);
    return this.replies.continueReply(user, conversation, options);
  }

  private async findMessageRow(
    user: UserRow,
    conversationId: string,
    messageId: string,
  ): Promise<StoredMessage> {
    await this.findRow(user, conversationId);
    const row = await this.store.conversations.findMessage(conversationId, messageId);
    if (!row) throw new NotFoundError(`message ${messageId}`);
    return row;
  }

  private async findRow(user: UserRow, id: string): Promise<ConversationRow> {
    const row = await this.store.conversations.find(user.id, id);
    if (!row) throw new NotFoundError(`conversation ${id}`);
    return row;
  }
}
