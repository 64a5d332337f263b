import type { ConversationRow, UserRow } from "../store/schema.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { ConflictError, ValidationError } from "../errors/app-error.ts";
import type { PersonaDefinition } from "../domain/persona-definition.ts";
import { toMessage, turnOf, type Message, type MessageViews } from "./conversation-views.ts";
import type { PersonaService } from "./persona-service.ts";
import type { UserPersonaSnapshot, VoiceOrChat } from "./generation-input.ts";
import type { ReplyGenerator, ReplyOutcome } from "./reply-generator.ts";
import type { ServerTools } from "./reply-tool-round.ts";

/** The persona's media in a chat (MediaGeneration): its send_media tool, when it makes media. */
export interface ConversationMediaTools {
  toolsFor(
    user: UserRow,
    conversation: { id: string; persona_id: string },
    persona: PersonaDefinition,
  ): ServerTools | undefined;
}

export interface SendMessageOptions {
  signal?: AbortSignal;
  /** A voice call's locale: the reply uses that voice configuration (default: the conversation's channel). */
  channel?: VoiceOrChat | undefined;
  onStart?: (info: { userMessage: Message; replyId: string }) => void | Promise<void>;
  onDelta?: (text: string) => void | Promise<void>;
}

export interface ExchangeResult {
  user_message: Message;
  message: Message;
  usage: { input_tokens: number; output_tokens: number; cost_usd: number };
  timings: ReplyOutcome["timings"];
  warnings: string[];
}

/** A reply written by a chat control (regenerate, continue), with what it cost. */
export interface ReplyResult {
  message: Message;
  usage: ExchangeResult["usage"];
  timings: ReplyOutcome["timings"];
  warnings: string[];
}

/**
 * The persona's replies in a conversation: to the user's message, regenerated, continued, or opening it
 * from the start prompt. Every one is asked with the persona as it serves now; the caller has already
 * found the conversation and message as the user's.
 */
export class ConversationReplies {
  private readonly store: Store;
  private readonly personas: PersonaService;
  private readonly replies: ReplyGenerator;
  private readonly mediaTools: ConversationMediaTools | undefined;
  private readonly views: MessageViews;

  constructor(dependencies: {
    store: Store;
    personas: PersonaService;
    replies: ReplyGenerator;
    mediaTools: ConversationMediaTools | undefined;
    views: MessageViews;
  }) {
    this.store = dependencies.store;
    this.personas = dependencies.personas;
    this.replies = dependencies.replies;
    this.mediaTools = dependencies.mediaTools;
    this.views = dependencies.views;
  }

  /** The reply a new conversation with no greeting opens with, written from the persona's start prompt. */
  async open(
    user: UserRow,
    options: {
      conversationId: string;
      personaId: string;
      persona: PersonaDefinition;
      personaVersion: number | null;
      userPersona: UserPersonaSnapshot | null;
    },
  ): Promise<Message> {
    const outcome = await this.replies.reply({
      tenantId: user.tenant_id,
      userId: user.id,
      conversationId: options.conversationId,
      personaId: options.personaId,
      persona: options.persona,
      personaVersion: options.personaVersion,
      userPersona: options.userPersona,
      replyTo: null,
      instruction: `Begin the conversation. ${options.persona.start_prompt.trim()}`,
    });
    return toMessage(outcome.reply);
  }

  /** Has the persona reply to a stored user message (with the user persona that message recorded). */
  async answer(
    user: UserRow,
    conversation: ConversationRow,
    userMessage: Message,
    options: SendMessageOptions,
  ): Promise<ExchangeResult> {
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
    const [reply] = await this.views.withMedia([toMessage(outcome.reply)]);
    return {
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
  }

  /**
   * Writes a new reply to the user's message the latest reply answered, kept as another alternative of the
   * same turn and shown instead of it; the earlier alternatives stay (list them, choose one). The user's
   * message is untouched. Only the latest reply, and only a reply to a user's message, is regenerated.
   */
  async regenerate(
    user: UserRow,
    conversation: ConversationRow,
    message: StoredMessage,
    options: SendMessageOptions,
  ): Promise<ReplyResult> {
    const alternatives = await this.store.conversations.listAlternatives(conversation.id, [turnOf(message)]);
    if (message.role === "assistant" && message.reply_to === null && alternatives.length > 1) {
      return this.swipeGreeting(conversation.id, message, alternatives, options);
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
    await this.assertLatest(conversation.id, message, "regenerated");
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
    return this.replyResult(conversation.id, outcome);
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
      message: await this.views.shownMessage(conversationId, next.id),
      usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      timings: { prompt_ms: 0, model_ms: 0, total_ms: 0 },
      warnings: [],
    };
  }

  /** The persona goes on with the conversation's last message, its own: the continuation is appended. */
  async continueReply(
    user: UserRow,
    conversation: ConversationRow,
    options: Omit<SendMessageOptions, "onStart"> & {
      onStart?: (message: Message) => void | Promise<void>;
    },
  ): Promise<ReplyResult> {
    const last = await this.store.conversations.findLatestShown(conversation.id);
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
    return this.replyResult(conversation.id, outcome);
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

  private async replyResult(conversationId: string, outcome: ReplyOutcome): Promise<ReplyResult> {
    return {
      message: await this.views.shownMessage(conversationId, outcome.reply.id),
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
}
