import type { PersonaViewer } from "./persona-editor.ts";
import type { Clock } from "../lib/clock.ts";
import { newId } from "../lib/ids.ts";
import { audioByMessage, type MessageAudio } from "./speech/message-audio.ts";
import { mediaByMessage, type MediaView } from "./media/media-views.ts";
import { TypedEvents } from "../lib/typed-events.ts";
import type { ChatMessage } from "../models/language-model.ts";
import { countTokens } from "../models/token-count.ts";
import type { Page, PageRequest } from "../store/pagination.ts";
import type { ConversationRow, MessageRow, UserRow } from "../store/schema.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors/app-error.ts";
import { expandGreetings, openingGreetings } from "./conversation-greetings.ts";
import type { PersonaService } from "./persona-service.ts";
import { renderHistory, type PromptSection } from "./prompt-assembly.ts";
import type { UserPersonaSnapshot, VoiceOrChat } from "./generation.ts";
import type { ReplyGenerator, ReplyOutcome } from "./reply-generator.ts";
import type { ServerTools } from "./reply-tool-round.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";

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
  /** a branch: the conversation and message it was copied from; null for every other conversation */
  branched_from: { conversation_id: string; message_id: string } | null;
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
  /** when its content was last edited by hand; null if never */
  edited_at: string | null;
  /** Where a reply stands among its turn's alternatives (regenerations): from 0; given by the chat controls and the message list. */
  alternative_index?: number;
  alternative_count?: number;
  /** Its stored audio (the reading of its text, the user's voice recording); given by message lists and reads. */
  audio?: MessageAudio[];
  /** Its pictures and videos (the user's photos, what the persona made); given by message lists and reads. */
  media?: MediaView[];
}

/** The persona's media in a chat (MediaGeneration): its send_media tool, when it makes media. */
export interface ConversationMediaTools {
  toolsFor(
    user: UserRow,
    conversation: { id: string; persona_id: string },
    persona: PersonaDefinition,
  ): ServerTools | undefined;
}

/** What the user sends: text, and a voice message or photos uploaded to the conversation before. */
export interface SendMessageInput {
  content: string;
  userPersonaId?: UserPersonaChoice;
  recordingId?: string | undefined;
  /** photos uploaded with POST .../attachments, sent with this message */
  attachmentIds?: readonly string[] | undefined;
}

/** A reply written by a chat control (regenerate, continue), with what it cost. */
export interface ReplyResult {
  message: Message;
  usage: ExchangeResult["usage"];
  timings: ReplyOutcome["timings"];
  warnings: string[];
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
  /** A voice call's locale: the reply uses that voice configuration (default: the conversation's channel). */
  channel?: VoiceOrChat | undefined;
  onStart?: (info: { userMessage: Message; replyId: string }) => void | Promise<void>;
  onDelta?: (text: string) => void | Promise<void>;
}

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    persona_id: row.persona_id,
    channel: row.channel,
    title: row.title,
    message_count: row.message_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
    branched_from:
      row.branched_from_conversation_id && row.branched_from_message_id
        ? { conversation_id: row.branched_from_conversation_id, message_id: row.branched_from_message_id }
        : null,
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
    edited_at: row.edited_at,
  };
}

/** The turn a message belongs to: its first reply's id (every message that is no alternative is its own). */
export function turnOf(message: Pick<StoredMessage, "id" | "alternative_of">): string {
  return message.alternative_of ?? message.id;
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
  private readonly mediaTools: ConversationMediaTools | undefined;

  constructor(dependencies: {
    store: Store;
    clock: Clock;
    personas: PersonaService;
    replies: ReplyGenerator;
    /** the persona's media tool in chats; none: replies are text only */
    mediaTools?: ConversationMediaTools;
  }) {
    this.mediaTools = dependencies.mediaTools;
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
    this.replies = dependencies.replies;
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
    const userPersona = await this.resolveUserPersona(user, undefined);
    const messages: Message[] = [];
    const shown = await expandGreetings({ store: this.store, clock: this.clock }, greetings, {
      definition,
      user,
      userPersona,
      conversationId: row.id,
    });
    if (shown.chosen >= 0) {
      const opener = await this.storeGreetings({
        conversationId: row.id,
        greetings: shown.greetings,
        chosen: shown.chosen,
        userPersona,
        personaVersion: version,
      });
      messages.push(opener);
    } else if (input.greet !== false && definition.start_prompt.trim()) {
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
    await this.deleted(id);
  }

  async listMessages(
    user: UserRow,
    id: string,
    page: { limit: number; afterSequence?: number },
  ): Promise<{ items: Message[]; nextSequence: number | null }> {
    await this.findRow(user, id);
    const rows = await this.store.conversations.listMessages(id, { ...page, limit: page.limit + 1 });
    const items = await this.withAlternatives(id, rows.slice(0, page.limit));
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
    const userPersona = await this.resolveUserPersona(user, input.userPersonaId);
    const { version } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    return this.storeMessage({
      conversationId,
      role: "user",
      content: input.content,
      userPersona,
      personaVersion: version,
      recording: input.recordingId ? { tenantId: user.tenant_id, id: input.recordingId } : undefined,
      attachments: input.attachmentIds?.length ? { userId: user.id, ids: input.attachmentIds } : undefined,
    });
  }

  /** What every reply in a conversation is asked with: who, where, and the persona as it serves now. */
  private async replyContext(user: UserRow, conversation: ConversationRow) {
    const { definition, version } = await this.personas.getServingDefinition(
      user.tenant_id,
      conversation.persona_id,
    );
    // A voice conversation answers with its voice configuration (a call names its locale; otherwise the first).
    const channel: VoiceOrChat =
      conversation.channel === "voice"
        ? { kind: "voice", locale: definition.voice_configurations[0]?.locale ?? "en-US" }
        : { kind: "chat" };
    return {
      tenantId: user.tenant_id,
      userId: user.id,
      conversationId: conversation.id,
      personaId: conversation.persona_id,
      persona: definition,
      personaVersion: version,
      channel,
      // Pictures are for chats: a voice conversation has no screen to show them on.
      serverTools:
        channel.kind === "chat" ? this.mediaTools?.toolsFor(user, conversation, definition) : undefined,
    };
  }

  /** Has the persona reply to a stored user message (with the user persona that message recorded). */
  async answer(
    user: UserRow,
    conversationId: string,
    userMessage: Message,
    options: SendMessageOptions = {},
  ): Promise<ExchangeResult> {
    const conversation = await this.findRow(user, conversationId);
    const served = await this.replyContext(user, conversation);
    const outcome = await this.replies.reply({
      ...served,
      channel: options.channel ?? served.channel,
      userPersona: userMessage.user_persona,
      replyTo: userMessage.id,
      signal: options.signal,
      onDelta: options.onDelta,
      onStart: (replyId) => options.onStart?.({ userMessage, replyId }),
    });
    const [reply] = await this.withMedia([toMessage(outcome.reply)]);
    const exchange: ExchangeResult = {
      user_message: userMessage,
      message: reply ?? toMessage(outcome.reply),
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

  /**
   * Stores something the persona says that no model wrote (a call's first message, its goodbye), as a
   * shown reply of its own.
   */
  async say(user: UserRow, conversationId: string, content: string): Promise<Message> {
    const conversation = await this.findRow(user, conversationId);
    const { version } = await this.personas.getServingDefinition(user.tenant_id, conversation.persona_id);
    return this.storeMessage({
      conversationId,
      role: "assistant",
      content,
      userPersona: await this.resolveUserPersona(user, undefined),
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
    return this.shownMessage(conversationId, messageId);
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
    const rows = await this.store.conversations.listAlternatives(conversationId, [turnOf(message)]);
    const items = await this.withAlternatives(conversationId, rows);
    return {
      items,
      chosen: Math.max(
        0,
        rows.findIndex((row) => row.chosen === 1),
      ),
    };
  }

  /**
   * Shows the turn's alternative `index` (from 0) instead of the current one: the conversation lists it and
   * the next prompt's history sends it. Memory follows on its own: extraction learns from the user's
   * message of an exchange, which no alternative changes, so choosing queues nothing.
   */
  async chooseAlternative(
    user: UserRow,
    conversationId: string,
    messageId: string,
    index: number,
  ): Promise<Message> {
    const message = await this.findMessageRow(user, conversationId, messageId);
    const rows = await this.store.conversations.listAlternatives(conversationId, [turnOf(message)]);
    const chosen = rows[index];
    if (!chosen) {
      throw new ValidationError([
        {
          field: "chosen_alternative",
          message: `this message has ${rows.length} alternative${rows.length === 1 ? "" : "s"}: use 0 to ${rows.length - 1}`,
        },
      ]);
    }
    await this.store.conversations.chooseAlternative(conversationId, turnOf(message), chosen.id);
    return this.shownMessage(conversationId, chosen.id);
  }

  /**
   * Writes a new reply to the user's message the latest reply answered, kept as another alternative of the
   * same turn and shown instead of it; the earlier alternatives stay (list them, choose one). The user's
   * message is untouched. Only the latest reply, and only a reply to a user's message, is regenerated.
   */
  async regenerate(
    user: UserRow,
    conversationId: string,
    messageId: string,
    options: SendMessageOptions = {},
  ): Promise<ReplyResult> {
    const conversation = await this.findRow(user, conversationId);
    const message = await this.findMessageRow(user, conversationId, messageId);
    const alternatives = await this.store.conversations.listAlternatives(conversationId, [turnOf(message)]);
    if (message.role === "assistant" && message.reply_to === null && alternatives.length > 1) {
      return this.swipeGreeting(conversationId, message, alternatives, options);
    }
    if (message.role !== "assistant" || message.reply_to === null) {
      throw new ValidationError([
        {
          field: "messageId",
          message:
            message.role === "user"
              ? "this is the user's message: only the persona's replies are regenerated"
              : "this message opens the conversation or came unasked: only a reply to the user's message is regenerated",
        },
      ]);
    }
    await this.assertLatest(conversationId, message, "regenerated");
    const served = await this.replyContext(user, conversation);
    const outcome = await this.replies.reply({
      ...served,
      userPersona: message.user_persona,
      replyTo: message.reply_to,
      alternativeOf: { turnId: turnOf(message), turnSequence: alternatives[0]?.sequence ?? message.sequence },
      signal: options.signal,
      onDelta: options.onDelta,
      onStart: (replyId) => options.onStart?.({ userMessage: toMessage(message), replyId }),
    });
    return this.replyResult(conversationId, outcome);
  }

  /**
   * "Regenerate" on an opening message with several greetings: no model writes a new one (a card's author
   * wrote them); the next greeting is shown, after the last the first again, as SillyTavern swipes them.
   * Told like a regeneration (start, the whole text as one delta), so a streaming client needs no other path.
   */
  private async swipeGreeting(
    conversationId: string,
    message: StoredMessage,
    alternatives: StoredMessage[],
    options: SendMessageOptions,
  ): Promise<ReplyResult> {
    const shown = alternatives.findIndex((alternative) => alternative.chosen === 1);
    const next = alternatives[(shown + 1) % alternatives.length] ?? message;
    await options.onStart?.({ userMessage: toMessage(message), replyId: next.id });
    await this.store.conversations.chooseAlternative(conversationId, turnOf(message), next.id);
    await options.onDelta?.(next.content);
    return {
      message: await this.shownMessage(conversationId, next.id),
      usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      timings: { prompt_ms: 0, model_ms: 0, total_ms: 0 },
      warnings: [],
    };
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
    const last = await this.store.conversations.findLatestShown(conversationId);
    if (!last || last.role !== "assistant") {
      throw new ConflictError(
        last
          ? "the last message is the user's: only the persona's last message can be continued (send a message or regenerate instead)"
          : "the conversation has no messages to continue",
      );
    }
    const served = await this.replyContext(user, conversation);
    await options.onStart?.(toMessage(last));
    const outcome = await this.replies.continueReply({
      ...served,
      userPersona: last.user_persona,
      message: last,
      signal: options.signal,
      onDelta: options.onDelta,
    });
    return this.replyResult(conversationId, outcome);
  }

  private async replyResult(conversationId: string, outcome: ReplyOutcome): Promise<ReplyResult> {
    return {
      message: await this.shownMessage(conversationId, outcome.reply.id),
      usage: {
        input_tokens: outcome.result.usage.inputTokens,
        output_tokens: outcome.result.usage.outputTokens,
        cost_usd: outcome.costUsd,
      },
      timings: outcome.timings,
      warnings: outcome.result.warnings,
    };
  }

  /** 409 unless the message's turn is the newest the conversation shows. */
  private async assertLatest(conversationId: string, message: StoredMessage, action: string): Promise<void> {
    const latest = await this.store.conversations.findLatestShown(conversationId);
    if (latest && turnOf(latest) !== turnOf(message)) {
      throw new ConflictError(
        `only the latest reply can be ${action}: message ${latest.id} came after ${message.id}`,
      );
    }
  }

  /** A message as stored now, with where it stands among its turn's alternatives. */
  private async shownMessage(conversationId: string, messageId: string): Promise<Message> {
    const row = await this.store.conversations.findMessage(conversationId, messageId);
    if (!row) throw new NotFoundError(`message ${messageId}`);
    const [message] = await this.withAlternatives(conversationId, [row]);
    return message ?? toMessage(row);
  }

  /** The messages with `alternative_index` and `alternative_count` of their turns (one query for all). */
  private async withAlternatives(conversationId: string, rows: StoredMessage[]): Promise<Message[]> {
    const turnIds = [...new Set(rows.filter((row) => row.role === "assistant").map(turnOf))];
    const alternatives = await this.store.conversations.listAlternatives(conversationId, turnIds);
    const byTurn = new Map<string, string[]>();
    for (const alternative of alternatives) {
      const turn = turnOf(alternative);
      byTurn.set(turn, [...(byTurn.get(turn) ?? []), alternative.id]);
    }
    const audio = audioByMessage(
      conversationId,
      rows,
      await this.store.messageAudio.listForMessages(rows.map((row) => row.id)),
    );
    return this.withMedia(
      rows.map((row) => {
        const turn = byTurn.get(turnOf(row)) ?? [row.id];
        return {
          ...toMessage(row),
          alternative_index: turn.indexOf(row.id),
          alternative_count: turn.length,
          audio: audio.get(row.id) ?? [],
        };
      }),
    );
  }

  /** The messages with their pictures and videos (one query for all). */
  private async withMedia(messages: Message[]): Promise<Message[]> {
    const media = mediaByMessage(
      await this.store.media.listForMessages(messages.map((message) => message.id)),
    );
    return messages.map((message) => ({ ...message, media: media.get(message.id) ?? [] }));
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

  /**
   * Stores the opening greetings as one turn, in their order: the first is the turn, the others its
   * alternatives, and the chosen one is shown. One transaction: a conversation never opens half greeted.
   */
  private async storeGreetings(options: {
    conversationId: string;
    greetings: string[];
    chosen: number;
    userPersona: UserPersonaSnapshot | null;
    personaVersion: number | null;
  }): Promise<Message> {
    const now = this.clock.now().toISOString();
    const shown = await this.store.transaction(async (store) => {
      let turnId: string | null = null;
      let shown: StoredMessage | undefined;
      for (const [index, content] of options.greetings.entries()) {
        const isChosen = index === options.chosen;
        const message: StoredMessage = {
          ...this.newMessage({ ...options, role: "assistant", content }),
          sequence: await store.conversations.claimSequence(options.conversationId, now),
          created_at: now,
          alternative_of: turnId,
          chosen: isChosen ? 1 : 0,
        };
        await store.conversations.insertMessage(message);
        turnId ??= message.id;
        if (isChosen) shown = message;
      }
      return shown;
    });
    if (!shown) throw new Error("the chosen greeting was not among the greetings stored");
    return this.shownMessage(options.conversationId, shown.id);
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
    /** a voice message uploaded to this conversation and not sent yet, kept with the message */
    recording?: { tenantId: string; id: string } | undefined;
    /** photos the user uploaded to this conversation and has not sent yet */
    attachments?: { userId: string; ids: readonly string[] } | undefined;
  }): Promise<Message> {
    const now = this.clock.now().toISOString();
    const { recording, attachments } = options;
    const row = await this.store.transaction(async (store) => {
      const message: StoredMessage = {
        ...this.newMessage(options),
        sequence: await store.conversations.claimSequence(options.conversationId, now),
        created_at: now,
      };
      await store.conversations.insertMessage(message);
      if (
        recording &&
        !(await store.messageAudio.attachRecording(
          recording.tenantId,
          recording.id,
          options.conversationId,
          message.id,
        ))
      ) {
        throw new NotFoundError(
          `recording ${recording.id} (upload it to this conversation; each is sent once)`,
        );
      }
      if (attachments) {
        const ids = [...new Set(attachments.ids)];
        const attached = await store.media.attachUploads(
          attachments.userId,
          ids,
          options.conversationId,
          message.id,
        );
        if (attached !== ids.length) {
          throw new NotFoundError(
            `attachment ${ids.join(", ")} (upload each to this conversation first; each is sent once)`,
          );
        }
      }
      return message;
    });
    if (!recording && !attachments) return toMessage(row);
    const [shown] = await this.withAlternatives(options.conversationId, [row]);
    return shown ?? toMessage(row);
  }

  /** A complete message written by no model, shown, with no turn of its own yet (sequence: to claim). */
  private newMessage(options: {
    conversationId: string;
    role: MessageRow["role"];
    content: string;
    userPersona: UserPersonaSnapshot | null;
    personaVersion: number | null;
  }): Omit<StoredMessage, "sequence" | "created_at"> {
    return {
      id: newId("msg"),
      conversation_id: options.conversationId,
      role: options.role,
      content: options.content,
      status: "complete",
      user_persona: options.userPersona ?? null,
      persona_version: options.personaVersion,
      model: null,
      token_count: countTokens(options.content),
      reply_to: null,
      error: null,
      alternative_of: null,
      chosen: 1,
      edited_at: null,
    };
  }

  private async findRow(user: UserRow, id: string): Promise<ConversationRow> {
    const row = await this.store.conversations.find(user.id, id);
    if (!row) throw new NotFoundError(`conversation ${id}`);
    return row;
  }
}
