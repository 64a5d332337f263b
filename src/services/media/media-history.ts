import type { ContentPart } from "../../models/language-model.ts";
import { toDataUri } from "../../media/media-jobs.ts";
import { countTokens } from "../../models/token-count.ts";
import type { MediaRow } from "../../store/media-repository.ts";
import type { Store } from "../../store/store.ts";
import type { HistoryMessage } from "../prompt-assembly.ts";
import type { HistoryAttachments } from "../reply-prompt.ts";
import type { MediaService } from "./media-service.ts";

/** Photos sent to the model as pictures, newest first; older ones become a line of text (prompt size). */
const MAX_IMAGES_IN_PROMPT = 4;
/** What a picture weighs in the history budget (OpenAI bills a 512-px tile about this much). */
const IMAGE_TOKENS = 255;
/** A text file is quoted into the prompt up to this many characters for a model that takes no files. */
const MAX_QUOTED_CHARACTERS = 20_000;

/**
 * The pictures of a conversation as its prompt carries them: the user's photos as image parts for a
 * model that sees (the newest few), otherwise as a line saying a picture was sent, and the persona's own
 * pictures and videos as a line naming what they showed, so it knows what it sent.
 */
export class MediaHistory implements HistoryAttachments {
  constructor(private readonly dependencies: { store: Store; media: MediaService }) {}

  async decorate(
    tenantId: string,
    history: HistoryMessage[],
    model: { id: string; images: boolean; files: boolean },
  ): Promise<{ history: HistoryMessage[]; warnings: string[] }> {
    const ids = history.flatMap((message) => (message.messageId ? [message.messageId] : []));
    const rows = await this.dependencies.store.media.listForMessages(ids);
    if (rows.length === 0) return { history, warnings: [] };
    const byMessage = new Map<string, MediaRow[]>();
    for (const row of rows) {
      if (row.message_id) byMessage.set(row.message_id, [...(byMessage.get(row.message_id) ?? []), row]);
    }
    let picturesLeft = MAX_IMAGES_IN_PROMPT;
    const warnings: string[] = [];
    const newestUser = [...history].reverse().find((message) => message.role === "user");
    const decorated: HistoryMessage[] = [];
    for (const message of [...history].reverse()) {
      const attached = (message.messageId && byMessage.get(message.messageId)) || [];
      if (attached.length === 0) {
        decorated.push(message);
        continue;
      }
      if (message.role === "assistant") {
        decorated.push(withNote(message, attached.map(sentByPersona).join("\n")));
        continue;
      }
      const newest = message === newestUser;
      const parts: ContentPart[] = [];
      const notes: string[] = [];
      for (const row of attached) {
        if (row.status !== "ready") continue;
        if (row.kind === "image") {
          if (!model.images) {
            notes.push("[The user sent a picture you cannot see.]");
            if (newest) {
              warnings.push(
                `${model.id} cannot see pictures: the attached picture was not shown to it (choose a model that takes images)`,
              );
            }
            continue;
          }
          const bytes = picturesLeft > 0 ? await this.dependencies.media.readBytes(tenantId, row) : undefined;
          if (!bytes) {
            notes.push("[The user sent a picture earlier.]");
            continue;
          }
          picturesLeft--;
          parts.push({ type: "image", url: toDataUri(bytes.bytes, bytes.contentType) });
          continue;
        }
        if (row.kind !== "file") continue;
        const name = row.file_name ?? "a file";
        const bytes = await this.dependencies.media.readBytes(tenantId, row);
        if (!bytes) continue;
        if (model.files) {
          parts.push({
            type: "file",
            data: Buffer.from(bytes.bytes).toString("base64"),
            mediaType: bytes.contentType,
            ...(row.file_name ? { filename: row.file_name } : {}),
          });
        } else if (bytes.contentType.startsWith("text/") || bytes.contentType === "application/json") {
          // Any model reads text: quoted into the message instead of sent as a file.
          const text = new TextDecoder().decode(bytes.bytes);
          const quoted =
            text.length > MAX_QUOTED_CHARACTERS ? `${text.slice(0, MAX_QUOTED_CHARACTERS)}\n[…cut]` : text;
          notes.push(`[The user attached ${name}:]\n${quoted}\n[End of ${name}.]`);
        } else {
          notes.push(`[The user sent ${name}, which you cannot read.]`);
          if (newest) {
            warnings.push(
              `${model.id} cannot read files: ${name} was not shown to it (choose a model that takes files)`,
            );
          }
        }
      }
      const noted = notes.length > 0 ? withNote(message, notes.join("\n")) : message;
      decorated.push(
        parts.length > 0
          ? {
              ...noted,
              parts: [{ type: "text", text: noted.content }, ...parts],
              tokens: noted.tokens + parts.length * IMAGE_TOKENS,
            }
          : noted,
      );
    }
    return { history: decorated.reverse(), warnings };
  }
}

/** The persona's line about what it sent. */
function sentByPersona(row: MediaRow): string {
  const what = row.kind === "video" ? "a video" : "a picture";
  const about = row.request ? `: ${row.request}` : "";
  if (row.status === "failed") return `[You tried to send ${what}${about}, but it failed.]`;
  return `[You sent ${what}${about}.]`;
}

/** The note after what the persona said, before what the user said (whose words the offline rules read to the end). */
function withNote(message: HistoryMessage, note: string): HistoryMessage {
  if (!note) return message;
  const content = !message.content
    ? note
    : message.role === "user"
      ? `${note}\n${message.content}`
      : `${message.content}\n${note}`;
  return { ...message, content, tokens: message.tokens + countTokens(note) };
}
