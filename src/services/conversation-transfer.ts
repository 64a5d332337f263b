import type { PersonaViewer } from "./persona-editor.ts";
import type { Clock } from "../lib/clock.ts";
import { JsonInputError, parseBoundedJson } from "../lib/bounded-json.ts";
import { newId } from "../lib/ids.ts";
import { countTokens } from "../models/token-count.ts";
import type { ConversationRow, UserRow } from "../store/schema.ts";
import type { StoredMessage } from "../store/stored-documents/conversation-documents.ts";
import type { Store } from "../store/store.ts";
import { NotFoundError, UnsupportedMediaTypeError, ValidationError } from "../errors/app-error.ts";
import {
  decodeDramatisChat,
  encodeDramatisChat,
  isDramatisChat,
  type DramatisChatDocument,
} from "../domain/chat-transfer/dramatis-chat.ts";
import {
  decodeSillyTavernChat,
  encodeSillyTavernChat,
  isSillyTavernChat,
} from "../domain/chat-transfer/sillytavern-chat.ts";
import { TranscriptFormatError, type Transcript } from "../domain/chat-transfer/transcript.ts";
import { MAX_CONVERSATION_MESSAGES } from "./conversation-branching.ts";
import { toConversation, turnOf, type Conversation } from "./conversation-views.ts";
import type { PersonaService } from "./persona-service.ts";

export const EXPORT_FORMATS = ["sillytavern", "dramatis"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Media types an import reads; anything else is a 415 (the body is then sniffed for its format). */
const IMPORT_MEDIA_TYPES = new Set([
  "",
  "application/json",
  "application/jsonl",
  "application/x-jsonlines",
  "application/x-ndjson",
  "application/jsonlines",
  "text/plain",
  "application/octet-stream",
]);

export interface ExportedConversation {
  fileName: string;
  contentType: string;
  body: string;
}

export interface ImportedConversation {
  conversation: Conversation;
  format: ExportFormat;
  message_count: number;
  warnings: string[];
}

/** A file name from a title: letters, digits, dot, dash and underscore only. */
function fileNameOf(title: string, extension: string): string {
  const safe =
    title
      .replace(/[^\w.-]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 80) || "conversation";
  return `${safe}.${extension}`;
}

/** The chat as a transcript: the turns shown, in order, each with every alternative it has. */
export function transcriptMessagesOf(all: StoredMessage[]): Transcript["messages"] {
  const byTurn = new Map<string, StoredMessage[]>();
  for (const message of all) byTurn.set(turnOf(message), [...(byTurn.get(turnOf(message)) ?? []), message]);
  return all
    .filter((message) => message.chosen === 1)
    .map((shown) => {
      const alternatives = byTurn.get(turnOf(shown)) ?? [shown];
      return {
        role: shown.role,
        user_persona: shown.user_persona,
        alternatives: alternatives.map((message) => ({
          content: message.content,
          status: message.status,
          model: message.model,
          created_at: message.created_at,
          edited_at: message.edited_at,
        })),
        chosen: alternatives.indexOf(shown),
      };
    });
}

/**
 * Export and import of conversations: SillyTavern's chat JSONL and Dramatis's own JSON document. An import
 * creates a new conversation and queues nothing: memory is learned from conversations as they happen.
 */
export class ConversationTransfer {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly personas: PersonaService;

  constructor(dependencies: { store: Store; clock: Clock; personas: PersonaService }) {
    this.store = dependencies.store;
    this.clock = dependencies.clock;
    this.personas = dependencies.personas;
  }

  /**
   * The user's conversation as a file: every shown message with all its alternatives.
   *
   * @example const file = await transfer.export(user, "cnv_…", "sillytavern"); // file.body is JSONL
   */
  async export(user: UserRow, conversationId: string, format: ExportFormat): Promise<ExportedConversation> {
    const row = await this.store.conversations.find(user.id, conversationId);
    if (!row) throw new NotFoundError(`conversation ${conversationId}`);
    const all = await this.store.conversations.listAllMessages(conversationId, MAX_CONVERSATION_MESSAGES + 1);
    if (all.length > MAX_CONVERSATION_MESSAGES) {
      throw new ValidationError(
        [{ field: "id", message: `an export holds at most ${MAX_CONVERSATION_MESSAGES} messages` }],
        "this conversation is too long to export",
      );
    }
    const { definition } = await this.personas.getServingDefinition(user.tenant_id, row.persona_id);
    const messages = transcriptMessagesOf(all);
    const transcript: Transcript = {
      title: row.title,
      channel: row.channel,
      created_at: row.created_at,
      persona: { id: row.persona_id, name: definition.name },
      user_name: await this.userNameOf(user, messages),
      messages,
    };
    if (format === "sillytavern") {
      return {
        fileName: fileNameOf(row.title, "jsonl"),
        contentType: "application/jsonl; charset=utf-8",
        body: encodeSillyTavernChat(transcript),
      };
    }
    const document: DramatisChatDocument = encodeDramatisChat(transcript, {
      conversationId: row.id,
      exportedAt: this.clock.now().toISOString(),
      branchedFrom: toConversation(row).branched_from,
    });
    return {
      fileName: fileNameOf(row.title, "dramatis.json"),
      contentType: "application/json; charset=utf-8",
      body: `${JSON.stringify(document, null, 2)}\n`,
    };
  }

  /**
   * Creates a conversation from an exported file: a Dramatis document or a SillyTavern chat (which names
   * its character by name only, so `personaId` is required for it). Swipes become alternatives, the
   * swipe shown stays shown.
   *
   * @example await transfer.import(user, user.tenant_id, { text, contentType: "application/jsonl", personaId });
   */
  async import(
    user: UserRow,
    viewer: PersonaViewer,
    input: { text: string; contentType: string; personaId?: string | undefined },
  ): Promise<ImportedConversation> {
    const mediaType = (input.contentType.split(";")[0] ?? "").trim().toLowerCase();
    if (!IMPORT_MEDIA_TYPES.has(mediaType)) {
      throw new UnsupportedMediaTypeError(
        `${mediaType} is not a chat file: send a SillyTavern chat (application/jsonl) or a Dramatis conversation (application/json)`,
      );
    }
    if (!input.text.trim())
      throw new ValidationError([{ field: "body", message: "is empty: send a chat file" }]);
    const now = this.clock.now().toISOString();
    const { format, transcript, warnings } = this.decode(input.text, now);
    const personaId = input.personaId ?? transcript.persona.id;
    if (!personaId) {
      throw new ValidationError([
        {
          field: "persona_id",
          message:
            "a SillyTavern chat names its character by name only: give ?persona_id= (the persona to chat with)",
        },
      ]);
    }
    const { definition } = await this.personas.getServingDefinition(viewer, personaId);
    if (transcript.persona.name && transcript.persona.name !== definition.name) {
      warnings.push(
        `the file's character is "${transcript.persona.name}"; imported as a chat with "${definition.name}"`,
      );
    }
    await this.keepOwnUserPersonas(user, transcript, warnings);
    const id = newId("cnv");
    const messages = storedMessagesOf(transcript, id);
    const row: ConversationRow = {
      id,
      tenant_id: user.tenant_id,
      user_id: user.id,
      persona_id: personaId,
      // A conversation on sms or whatsapp is where that channel's texts continue: an import never is one.
      channel: transcript.channel === "api" ? "api" : "web",
      title: transcript.title,
      message_count: messages.length,
      created_at: transcript.created_at,
      updated_at: now,
      branched_from_conversation_id: null,
      branched_from_message_id: null,
    };
    await this.store.transaction((store) => store.conversations.insertWithMessages(row, messages));
    return { conversation: toConversation(row), format, message_count: transcript.messages.length, warnings };
  }

  /**
   * Keeps a message's user persona only when it is one of the importing user's own: the stored one names
   * whose lorebooks and memories later replies use, so a file must not name another user's. Others are
   * dropped (the messages stay), with a warning.
   */
  private async keepOwnUserPersonas(
    user: UserRow,
    transcript: Transcript,
    warnings: string[],
  ): Promise<void> {
    const own = new Map<string, boolean>();
    const dropped = new Set<string>();
    for (const message of transcript.messages) {
      const named = message.user_persona;
      if (!named) continue;
      if (!own.has(named.id))
        own.set(named.id, (await this.store.userPersonas.find(user.id, named.id)) !== undefined);
      if (own.get(named.id)) continue;
      dropped.add(named.name);
      message.user_persona = null;
    }
    if (dropped.size > 0) {
      warnings.push(
        `imported without their user persona (not one of yours): the messages spoken as ${[...dropped].join(", ")}`,
      );
    }
  }

  /** What the user is called in the chat: the user persona of their latest message, else their account's name. */
  private async userNameOf(user: UserRow, messages: Transcript["messages"]): Promise<string> {
    const persona = messages.findLast(
      (message) => message.role === "user" && message.user_persona,
    )?.user_persona;
    if (persona) return persona.name;
    return (await this.store.accounts.findByUserId(user.id))?.name ?? "User";
  }

  /** Which format the text is, read: 415 when it is neither, 422 naming what is wrong when it is one. */
  private decode(
    text: string,
    now: string,
  ): { format: ExportFormat; transcript: Transcript; warnings: string[] } {
    try {
      const document = parseWholeJson(text);
      if (document !== undefined && isDramatisChat(document)) {
        return { format: "dramatis", transcript: decodeDramatisChat(document), warnings: [] };
      }
      if (isSillyTavernChat(text)) return { format: "sillytavern", ...decodeSillyTavernChat(text, { now }) };
    } catch (error) {
      if (error instanceof TranscriptFormatError) {
        throw new ValidationError(
          error.problems,
          `the chat file cannot be imported: ${error.message.slice(0, 300)}`,
        );
      }
      throw error;
    }
    throw new UnsupportedMediaTypeError(
      "this is neither a SillyTavern chat (JSONL whose first line is its header) nor a Dramatis conversation document (format: dramatis.conversation)",
    );
  }
}

/** The text as one JSON document, or undefined when it is not one (JSONL, or not JSON at all). */
function parseWholeJson(text: string): unknown {
  try {
    return parseBoundedJson(text, { maxDepth: 16, maxItems: 10_000 });
  } catch (error) {
    if (error instanceof JsonInputError && error.isPolicyLimit) {
      throw new TranscriptFormatError([{ field: error.path ?? "(document)", message: error.message }]);
    }
    return undefined;
  }
}

/** Stored rows for a transcript's messages: each turn's first alternative names the turn, the rest point at it. */
function storedMessagesOf(transcript: Transcript, conversationId: string): StoredMessage[] {
  const rows: StoredMessage[] = [];
  let lastUserMessageId: string | null = null;
  for (const message of transcript.messages) {
    const turnId = newId("msg");
    message.alternatives.forEach((alternative, index) => {
      rows.push({
        id: index === 0 ? turnId : newId("msg"),
        conversation_id: conversationId,
        sequence: rows.length + 1,
        role: message.role,
        content: alternative.content,
        status: alternative.status,
        user_persona: message.user_persona,
        persona_version: null,
        model: message.role === "assistant" ? alternative.model : null,
        token_count: countTokens(alternative.content),
        reply_to: message.role === "assistant" ? lastUserMessageId : null,
        error: null,
        created_at: alternative.created_at,
        alternative_of: index === 0 ? null : turnId,
        chosen: index === message.chosen ? 1 : 0,
        edited_at: alternative.edited_at,
      });
    });
    lastUserMessageId = message.role === "user" ? turnId : null;
  }
  return rows;
}
