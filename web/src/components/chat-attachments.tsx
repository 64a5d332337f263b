import { useCallback, useEffect, useRef, useState } from "react";
import {
  CHAT_ATTACHMENT_ACCEPT,
  deleteMedia,
  isDocumentFile,
  uploadAttachment,
  type Media,
} from "./media-requests.ts";

/** A photo chosen for the next message: uploading at once, then ready to send (or failed, with why). */
export interface ChatAttachment {
  key: string;
  name: string;
  /** A local preview (object URL) until the message is sent or the chip removed. */
  preview: string;
  status: "uploading" | "ready" | "failed";
  media?: Media;
  error?: string;
}

export type ChatAttachments = ReturnType<typeof useChatAttachments>;

let nextKey = 0;

/**
 * The photos attached to the message being written: each file is uploaded to the conversation as soon
 * as it is chosen, pasted or dropped (so Send has only ids to pass), shown as a removable chip.
 */
export function useChatAttachments(conversationId: string) {
  const [items, setItems] = useState<ChatAttachment[]>([]);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  // Another conversation starts with none; leaving drops the previews.
  useEffect(() => {
    setItems([]);
    return () => itemsRef.current.forEach((item) => URL.revokeObjectURL(item.preview));
  }, [conversationId]);

  const update = (key: string, change: Partial<ChatAttachment>) =>
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const add = useCallback(
    (files: Iterable<File>) => {
      for (const file of files) {
        const key = `attachment-${nextKey++}`;
        const attachment: ChatAttachment = {
          key,
          name: file.name || "Pasted picture",
          preview: URL.createObjectURL(file),
          status: "uploading",
        };
        setItems((list) => [...list, attachment]);
        uploadAttachment(conversationId, file).then(
          (media) => {
            // Removed while it was uploading: the server sweeps unsent photos, but say so now.
            if (!itemsRef.current.some((item) => item.key === key))
              void deleteMedia(media.id).catch(() => {});
            else update(key, { status: "ready", media });
          },
          (failure: unknown) =>
            update(key, {
              status: "failed",
              error: failure instanceof Error ? failure.message : String(failure),
            }),
        );
      }
    },
    [conversationId],
  );

  const remove = useCallback((key: string) => {
    const item = itemsRef.current.find((entry) => entry.key === key);
    if (!item) return;
    URL.revokeObjectURL(item.preview);
    setItems((list) => list.filter((entry) => entry.key !== key));
    // An uploaded photo never sent goes now (the server would sweep it after a day).
    if (item.media) void deleteMedia(item.media.id).catch(() => {});
  }, []);

  /**
   * Takes the ready photos for sending: `restore` puts them back when the message was not sent, `sent`
   * lets their previews go when it was.
   */
  const take = useCallback((): { media: Media[]; restore: () => void; sent: () => void } => {
    const taken = itemsRef.current.filter((item) => item.status === "ready" && item.media);
    setItems((list) => list.filter((item) => !taken.includes(item)));
    return {
      media: taken.map((item) => item.media!),
      restore: () => setItems((list) => [...taken, ...list]),
      sent: () => taken.forEach((item) => URL.revokeObjectURL(item.preview)),
    };
  }, []);

  return {
    items,
    add,
    remove,
    take,
    uploading: items.some((item) => item.status === "uploading"),
    ready: items.filter((item) => item.status === "ready").length,
  };
}

/** Only the pictures and documents among dropped or pasted files. */
export function picturesAmong(files: FileList | readonly File[] | null | undefined): File[] {
  return Array.from(files ?? []).filter((file) => file.type.startsWith("image/") || isDocumentFile(file));
}

export const ATTACHMENT_ACCEPT = CHAT_ATTACHMENT_ACCEPT;

/** The chips above the message box: a thumbnail each, its state, and Remove. */
export function ChatAttachmentChips({ attachments }: { attachments: ChatAttachments }) {
  if (attachments.items.length === 0) return null;
  return (
    <ul className="chat-attachments" aria-label="Attached photos and files">
      {attachments.items.map((item) => (
        <li key={item.key} className="chat-attachment" data-status={item.status}>
          {isDocumentFile({ name: item.name }) ? (
            <span className="chat-attachment-file" aria-hidden="true">
              📄
            </span>
          ) : (
            <img src={item.preview} alt="" />
          )}
          <span className="chat-attachment-text">
            <span className="chat-attachment-name">{item.name}</span>
            {item.status === "uploading" && <span className="muted">Uploading…</span>}
            {item.status === "failed" && <span className="field-error">{item.error}</span>}
          </span>
          <button
            type="button"
            className="button-link button-small"
            aria-label={`Remove ${item.name}`}
            onClick={() => attachments.remove(item.key)}
          >
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}
